"""The demo has hazards general and major on both sides (杭温高铁 and 浙水's project), one overdue major hazard on
each, and their accountability proposals confirmed; running the demo again adds nothing."""

import pytest

from supervision.accountability import demo as accountability_demo
from supervision.hazards import demo as hazards_demo
from supervision.models import AccountabilityRecord, Hazard

pytestmark = pytest.mark.django_db


def test_the_demo_covers_both_sides_and_every_state():
    hazards = Hazard.objects.select_related("project")
    projects = {h.project.name for h in hazards}
    assert {hazards_demo.HANGWEN, hazards_demo.LAKE_DYKE} <= projects
    assert {h.state for h in hazards} >= {"reported", "rectifying", "submitted_for_check", "closed"}
    overdue_major = [h for h in hazards if h.grade == "major" and h.is_overdue()]
    assert {h.project.name for h in overdue_major} == {hazards_demo.HANGWEN, hazards_demo.LAKE_DYKE}
    confirmed = AccountabilityRecord.objects.filter(hazard__in=overdue_major, state="confirmed")
    assert confirmed.count() == 2
    assert AccountabilityRecord.objects.filter(state="proposed").exists()
    assert AccountabilityRecord.objects.filter(state="dismissed").exists()


def test_the_demo_runs_twice_without_adding():
    before = (Hazard.objects.count(), AccountabilityRecord.objects.count())
    assert hazards_demo.seed() == {} and accountability_demo.seed() == {}
    assert (Hazard.objects.count(), AccountabilityRecord.objects.count()) == before
