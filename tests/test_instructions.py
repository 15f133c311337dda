"""Leaders' instructions (批示): a leader writes on a project, a case or an item review; the holders are told,
answer once, and the instruction shows on the object until answered, then as history."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from approvals.models import ApprovalCase, CaseState, ItemReview
from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.core.plugins import instruction_targets
from portal.instructions import services
from portal.instructions.models import Instruction, InstructionState
from portal.notifications.models import Notification
from projects.models import Project

API = "/api/v1/instructions/"


@pytest.fixture
def project(owner, liaison, other_contractor):
    """A project of the owner's organisation whose liaison officer is `liaison`, in which the other contractor's
    organisation takes no part."""
    p = (Project.objects.filter(owner_id=owner.organization_id, liaison_officer=liaison, voided_at__isnull=True)
         .exclude(participants__organization_id=other_contractor.organization_id).first())
    assert p is not None
    return p


def _write(leader, target, text="请抓紧推进征地拆迁，月底前报进展。"):
    return services.instruction_write(actor=leader, target=target, text=text)


def test_the_apps_declare_their_targets():
    assert {"projects.project", "approvals.approvalcase", "approvals.itemreview"} <= set(instruction_targets())


def test_leader_writes_owner_sees_it_on_the_project_page_and_answers(en, leader, owner, liaison, project):
    text = "请于本月底前完成征地补偿方案。"
    response = en(leader).post(f"/instructions/write/projects.project/{project.pk}/", {"text": text})
    assert response.status_code == 302
    assert response["Location"] == f"{project.get_absolute_url()}#instructions"
    ins = Instruction.objects.get(target_id=str(project.pk), text=text)
    assert ins.state == InstructionState.OPEN and ins.author == leader
    assert ins.holder_organization_id == project.owner_id
    assert list(ins.holder_users.all()) == [liaison]

    # the holders are told, once each; the author is not
    told = Notification.objects.filter(event_key=f"instruction:{ins.pk}:written")
    assert set(told.values_list("recipient__username", flat=True)) >= {"owner", "liaison"}
    assert told.filter(recipient=owner).count() == 1 and not told.filter(recipient=leader).exists()

    page = en(owner).get(project.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="instruction-open"' in html and text in html
    assert f'/instructions/{ins.pk}/answer/' in html  # the owner holds it: the answer form

    answer = "已部署，月底前完成。"
    response = en(owner).post(f"/instructions/{ins.pk}/answer/", {"answer": answer})
    assert response.status_code == 302
    ins.refresh_from_db()
    assert (ins.state, ins.answer, ins.answered_by) == (InstructionState.ANSWERED, answer, owner)
    assert Notification.objects.filter(event_key=f"instruction:{ins.pk}:answered", recipient=leader).count() == 1

    html = en(owner).get(project.get_absolute_url()).content.decode()
    assert 'data-testid="instruction-open"' not in html  # the banner is gone
    assert 'data-testid="instruction-history"' in html and text in html and answer in html

    # every write audited: the instruction's creation and answer, and the project's history
    events = AuditEvent.objects.filter(content_type__model="instruction", object_id=str(ins.pk))
    assert set(events.values_list("action", flat=True)) == {"create", "transition"}
    assert AuditEvent.objects.filter(content_type__model="project", object_id=str(project.pk),
                                     changes__has_key="instruction").exists()


def test_another_organisation_neither_sees_nor_answers(en, leader, other_contractor, project):
    ins = _write(leader, project)
    client = en(other_contractor)
    assert client.get(f"{API}{ins.pk}/").status_code == 404
    assert client.post(f"{API}{ins.pk}/answer/", {"answer": "x"}, content_type="application/json").status_code == 404
    assert client.get(f"/instructions/{ins.pk}/answer/").status_code == 404
    assert client.post(f"/instructions/{ins.pk}/answer/", {"answer": "x"}).status_code == 404
    assert ins.pk not in [r["id"] for r in client.get(API).json()["results"]]
    assert ins.pk not in [r["id"] for r in client.get(API, {"state": "open"}).json()["results"]]
    ins.refresh_from_db()
    assert ins.state == InstructionState.OPEN


def test_only_leaders_write(en, contractor, staff, owner, project):
    for user in (contractor, staff, owner):
        client = en(user)
        response = client.post(API, {"target_type": "projects.project", "target_id": str(project.pk),
                                     "text": "x"}, content_type="application/json")
        assert response.status_code == 403, user
        assert client.post(f"/instructions/write/projects.project/{project.pk}/", {"text": "x"}).status_code == 403
    assert not Instruction.objects.exists()
    # a contractor of the project does not get the writing form on its page
    assert "instruction-write" not in en(contractor).get(project.get_absolute_url()).content.decode()


def test_api_write_answer_and_answering_twice_is_refused(en, leader, owner, liaison, project):
    response = en(leader).post(API, {"target_type": "projects.project", "target_id": str(project.pk),
                                     "text": "请报告进度。"}, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "open" and body["target_type"] == "projects.project"
    assert [m["name"] for m in body["moves"]] == ["withdraw"]  # the author withdraws; only holders answer
    pk = body["id"]

    assert en(leader).post(f"{API}{pk}/answer/", {"answer": "x"}, content_type="application/json").status_code == 403
    mine = en(owner).get(API, {"holding": "1"}).json()["results"]
    assert [m["name"] for m in next(r for r in mine if r["id"] == pk)["moves"]] == ["answer"]

    first = en(owner).post(f"{API}{pk}/answer/", {"answer": "已完成。"}, content_type="application/json")
    assert first.status_code == 200 and first.json()["state"] == "answered"
    second = en(liaison).post(f"{API}{pk}/answer/", {"answer": "再答一次"}, content_type="application/json")
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "invalid_transition"
    ins = Instruction.objects.get(pk=pk)
    assert (ins.answer, ins.answered_by) == ("已完成。", owner)
    # notifications: each holder once for the instruction, the author once for the (one) answer
    assert Notification.objects.filter(event_key=f"instruction:{pk}:written", recipient=owner).count() == 1
    assert Notification.objects.filter(event_key=f"instruction:{pk}:answered").count() == 1


def test_bad_input_names_the_field(en, leader, owner, project):
    client = en(leader)

    def post(data):
        return client.post(API, data, content_type="application/json")

    empty = post({"target_type": "projects.project", "target_id": str(project.pk), "text": "  "})
    assert empty.status_code == 400 and "text" in empty.json()["error"]["fields"]
    unknown = post({"target_type": "accounts.user", "target_id": str(owner.pk), "text": "x"})
    assert unknown.status_code == 400 and "target_type" in unknown.json()["error"]["fields"]
    assert post({"target_type": "projects.project", "target_id": "999999", "text": "x"}).status_code == 404
    assert post({"target_type": "projects.project", "target_id": "abc", "text": "x"}).status_code == 404
    assert client.get(API, {"state": "nonsense"}).json()["error"]["fields"].keys() == {"state"}

    ins = _write(leader, project)
    blank = en(owner).post(f"{API}{ins.pk}/answer/", {"answer": ""}, content_type="application/json")
    assert blank.status_code == 400 and "answer" in blank.json()["error"]["fields"]
    page = en(owner).post(f"/instructions/{ins.pk}/answer/", {"answer": ""})
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    too_long = en(leader).post(f"/instructions/write/projects.project/{project.pk}/", {"text": "长" * 2001})
    assert too_long.status_code == 200 and "at most 2000 characters" in too_long.content.decode()


def test_author_withdraws_and_others_may_not(en, leader, owner, project):
    ins = _write(leader, project)
    assert en(owner).post(f"{API}{ins.pk}/withdraw/", {"reason": "x"},
                          content_type="application/json").status_code == 403
    assert en(leader).post(f"{API}{ins.pk}/withdraw/", {"reason": ""},
                           content_type="application/json").status_code == 400
    response = en(leader).post(f"/instructions/{ins.pk}/withdraw/", {"reason": "情况已变化"})
    assert response.status_code == 302
    ins.refresh_from_db()
    assert ins.state == InstructionState.WITHDRAWN
    assert en(owner).post(f"{API}{ins.pk}/answer/", {"answer": "x"},
                          content_type="application/json").status_code == 409
    assert 'data-testid="instruction-open"' not in en(owner).get(project.get_absolute_url()).content.decode()


def test_case_at_the_window_is_held_by_bureau_staff_and_a_review_by_its_department(
        en, leader, staff, owner, reviewer, contractor):
    submitted = ApprovalCase.objects.get(state=CaseState.SUBMITTED)
    ins = _write(leader, submitted)
    assert (ins.holder_organization_id, ins.holder_role) == (None, Role.BUREAU_STAFF)
    assert Notification.objects.filter(event_key=f"instruction:{ins.pk}:written", recipient=staff).exists()
    # addressed to the window: the applicant neither sees nor answers it (the list shows the author's and the
    # holders' instructions only)
    assert en(owner).post(f"{API}{ins.pk}/answer/", {"answer": "x"},
                          content_type="application/json").status_code == 404
    assert 'data-testid="instruction-open"' not in en(owner).get(submitted.get_absolute_url()).content.decode()
    html = en(staff).get(submitted.get_absolute_url()).content.decode()
    assert 'data-testid="instruction-open"' in html and f"/instructions/{ins.pk}/answer/" in html
    assert en(staff).post(f"{API}{ins.pk}/answer/", {"answer": "已受理。"},
                          content_type="application/json").status_code == 200

    accepted = ApprovalCase.objects.exclude(state=CaseState.SUBMITTED).filter(applicant_id=owner.organization_id).first()
    assert _write(leader, accepted).holder_organization_id == owner.organization_id

    review = ItemReview.objects.filter(department_id=reviewer.organization_id).first()
    on_review = _write(leader, review)
    assert (on_review.holder_organization_id, on_review.holder_role) == (reviewer.organization_id,
                                                                          Role.DEPARTMENT_REVIEWER)
    html = en(reviewer).get(review.get_absolute_url()).content.decode()
    assert 'data-testid="instruction-open"' in html and f"/instructions/{on_review.pk}/answer/" in html
    assert en(contractor).get(f"{API}{on_review.pk}/").status_code == 404
    assert en(reviewer).post(f"/instructions/{on_review.pk}/answer/", {"answer": "已办结"}).status_code == 302


def test_home_card_and_list_page(en, leader, owner, other_contractor, project):
    ins = _write(leader, project, "首页上应看到这条批示")
    assert "首页上应看到这条批示" in en(owner).get("/").content.decode()
    assert "首页上应看到这条批示" in en(leader).get("/").content.decode()
    assert "首页上应看到这条批示" in en(owner).get("/instructions/").content.decode()
    assert "首页上应看到这条批示" not in en(other_contractor).get("/instructions/").content.decode()
    assert ins.pk


@pytest.mark.parametrize("username", ["owner", "leader"])
def test_list_query_count_is_flat(en, leader, project, username, django_user_model):
    client = en(django_user_model.objects.get(username=username))
    _write(leader, project, "一")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(API)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.json()["count"]

    few, n_few = count()
    for i in range(6):
        _write(leader, project, f"批示{i}")
    many, n_many = count()
    assert n_many == n_few + 6
    assert many == few
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(project.get_absolute_url()).status_code == 200
    on_page = len(ctx.captured_queries)
    _write(leader, project, "再一条")
    with CaptureQueriesContext(connection) as ctx:
        client.get(project.get_absolute_url())
    assert len(ctx.captured_queries) == on_page


def test_a_target_declared_twice_stops_the_start_up():
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    from portal.core import plugins

    twice = plugins.Plugin(instruction_targets={"projects.Project": "projects.instructions.project_holders"})
    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        plugins._wire(apps.get_app_config("approvals"), twice)
