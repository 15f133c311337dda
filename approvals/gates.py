"""The approval permits as stage-gate conditions (declared in `ApprovalsConfig.portal_plugin`): a gate may ask that
the case of an approval stage is completed. All four read the project's cases in one query, shared through the
gate's records (`Records.load`)."""

from collections.abc import Callable

from django.utils.translation import gettext as _

from projects.gates.conditions import ConditionResult, Records, day
from projects.models import GateCondition, Project

from .models import ApprovalCase, ApprovalStage, CaseState

APPROVAL_STAGE_OF: dict[str, str] = {
    GateCondition.APPROVAL_LAND_USE: ApprovalStage.LAND_USE_PLANNING,
    GateCondition.APPROVAL_ENGINEERING: ApprovalStage.ENGINEERING_PLANNING,
    GateCondition.APPROVAL_CONSTRUCTION: ApprovalStage.CONSTRUCTION_PERMIT,
    GateCondition.APPROVAL_COMPLETION: ApprovalStage.COMPLETION_ACCEPTANCE,
}


def live_cases(project: Project) -> dict[str, ApprovalCase]:
    """The live case of each approval stage of `project` (rejected ones only when nothing else exists)."""
    cases: dict[str, ApprovalCase] = {}
    for case in (ApprovalCase.objects.active().filter(project=project)
                 .only("number", "stage", "state", "completed_on").order_by("created_at", "id")):
        if case.stage not in cases or cases[case.stage].state == CaseState.REJECTED:
            cases[case.stage] = case
    return cases


def permit_condition(condition: str) -> Callable[[Records], ConditionResult]:
    stage = APPROVAL_STAGE_OF[condition]

    def evaluate(r: Records) -> ConditionResult:
        case = r.load("approvals.cases", live_cases).get(stage)
        label = ApprovalStage(stage).label
        if case is None:
            return ConditionResult(False, _("No application for “%(stage)s” has been made.") % {"stage": label})
        if case.state != CaseState.COMPLETED:
            return ConditionResult(False, _("The application %(number)s for “%(stage)s” is “%(state)s”, not completed.")
                                   % {"number": case.number, "stage": label, "state": case.get_state_display()})
        return ConditionResult(True, _("Application %(number)s completed on %(day)s.") % {
            "number": case.number, "day": day(case.completed_on)})

    return evaluate


GATE_CONDITIONS = {condition: permit_condition(condition) for condition in APPROVAL_STAGE_OF}
