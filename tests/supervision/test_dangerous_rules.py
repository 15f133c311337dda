"""The thresholds of 建办质〔2018〕31号 as `supervision.dangerous.rules.classify` reads them, at their boundaries."""

from decimal import Decimal

import pytest

from portal.core.errors import ApplicationError
from supervision.dangerous.rules import classify, require_dangerous
from supervision.models import DangerousWorkKind as Kind

D = Decimal


@pytest.mark.parametrize(("depth", "dangerous", "large"), [
    ("2.99", False, False), ("3", True, False), ("3.00", True, False), ("4.99", True, False),
    ("5", True, True), ("6", True, True),
])
def test_excavation_depth_3_and_5_metres(depth, dangerous, large):
    result = classify(kind=Kind.EXCAVATION, depth_m=D(depth))
    assert (result.dangerous, result.large_scale) == (dangerous, large)


@pytest.mark.parametrize(("field", "below", "from_", "large_from"), [
    ("height_m", "4.99", "5", "8"),
    ("span_m", "9.99", "10", "18"),
    ("area_load_kn_m2", "9.99", "10", "15"),
    ("line_load_kn_m", "14.99", "15", "20"),
])
def test_formwork_each_parameter_at_its_boundaries(field, below, from_, large_from):
    assert classify(kind=Kind.FORMWORK, **{field: D(below)}).dangerous is False
    at = classify(kind=Kind.FORMWORK, **{field: D(from_)})
    assert (at.dangerous, at.large_scale) == (True, False)
    just_below_large = classify(kind=Kind.FORMWORK, **{field: D(large_from) - D("0.01")})
    assert (just_below_large.dangerous, just_below_large.large_scale) == (True, False)
    large = classify(kind=Kind.FORMWORK, **{field: D(large_from)})
    assert (large.dangerous, large.large_scale) == (True, True)


def test_formwork_one_parameter_over_is_enough_and_the_criteria_name_it():
    result = classify(kind=Kind.FORMWORK, height_m=D(4), span_m=D(18), area_load_kn_m2=D(3))
    assert (result.dangerous, result.large_scale) == (True, True)
    assert "18" in result.criteria and "m" in result.criteria


@pytest.mark.parametrize(("kn", "dangerous", "large"), [
    ("9.99", False, False), ("10", True, False), ("99.99", True, False), ("100", True, True),
])
def test_unconventional_lifting_10_and_100_kn(kn, dangerous, large):
    result = classify(kind=Kind.LIFTING, lifting_kn=D(kn), unconventional_lifting=True)
    assert (result.dangerous, result.large_scale) == (dangerous, large)


def test_conventional_lifting_is_dangerous_and_large_from_300_kn():
    assert classify(kind=Kind.LIFTING, lifting_kn=D(50))[:2] == (True, False)
    assert classify(kind=Kind.LIFTING, lifting_kn=D("299.99"))[:2] == (True, False)
    assert classify(kind=Kind.LIFTING, lifting_kn=D(300))[:2] == (True, True)


def test_scaffold_24_and_50_metres_and_kinds_without_parameters():
    assert classify(kind=Kind.SCAFFOLD, height_m=D("23.9"))[:2] == (False, False)
    assert classify(kind=Kind.SCAFFOLD, height_m=D(24))[:2] == (True, False)
    assert classify(kind=Kind.SCAFFOLD, height_m=D(50))[:2] == (True, True)
    assert classify(kind=Kind.UNDERGROUND)[:2] == (True, True)
    assert classify(kind=Kind.DEMOLITION)[:2] == (True, False)


def test_below_every_threshold_is_refused_naming_the_field():
    with pytest.raises(ApplicationError) as refused:
        require_dangerous(kind=Kind.EXCAVATION, depth_m=D("2.5"))
    assert set(refused.value.extra) == {"depth_m"}
    with pytest.raises(ApplicationError) as refused:
        require_dangerous(kind=Kind.FORMWORK, height_m=D(4), span_m=D(9))
    assert set(refused.value.extra) == {"height_m", "span_m"}
    with pytest.raises(ApplicationError) as refused:
        require_dangerous(kind=Kind.LIFTING, lifting_kn=D(5), unconventional_lifting=True)
    assert set(refused.value.extra) == {"lifting_kn"}
    with pytest.raises(ApplicationError) as refused:
        require_dangerous(kind=Kind.EXCAVATION)
    assert set(refused.value.extra) == {"depth_m"}


def test_criteria_text_states_the_threshold_met():
    result = classify(kind=Kind.EXCAVATION, depth_m=D("6.00"))
    assert "6" in result.criteria and "5" in result.criteria
