"""Two reviewers acting on one item at once: exactly one decision is kept and recorded; the other is refused.
Row locks need a real server: runs on PostgreSQL (CI's second pass)."""

import threading

import pytest
from django.db import connection, connections

from approvals import services
from approvals.models import ItemReview, ReviewState
from portal.accounts.models import User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")

def reviewer_of(review) -> User:
    """A department reviewer of the item's department: the one who may decide it (ItemReview.workflow)."""
    return User.objects.filter(organization_id=review.department_id, groups__name="department_reviewer",
                               is_active=True).order_by("pk").first()



def test_simultaneous_decisions_on_one_item_keep_exactly_one(demo_db):
    review = ItemReview.objects.filter(state=ReviewState.PENDING, case__state__in=["accepted",
                                                                                   "accepted_with_deficiency"]).first()
    actor = reviewer_of(review)
    barrier = threading.Barrier(2)
    outcomes = []

    def decide(decision):
        try:
            barrier.wait()
            services.review_decide(actor=actor, review=review, decision=decision, opinion=decision)
            outcomes.append(("ok", decision))
        except ApplicationError as exc:
            outcomes.append(("refused", exc.code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(d,)) for d in ("approve", "reject")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert ("refused", "invalid_transition") in outcomes
    winner = next(d for status, d in outcomes if status == "ok")
    review.refresh_from_db()
    assert review.opinion == winner
    transitions = AuditEvent.objects.filter(content_type__model="itemreview", object_id=str(review.pk),
                                            action="transition")
    assert transitions.count() == 1
