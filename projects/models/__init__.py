"""The models of a key project's lifecycle, one module per part: the registry (project, participants, grants),
stage gates, feasibility review, risk register, schedule with responsibility matrix, monthly progress, and the
cross-region work of a joint command."""

from .bim import BimElement, BimLink, BimLinkKind, BimModel, BimModelState
from .feasibility import (
    FeasibilityOpinion,
    FeasibilityReview,
    FeasibilityState,
    OpinionConclusion,
    OpinionState,
)
from .gates import (
    GateCondition,
    GateConfirmation,
    GateRequirement,
    ProjectDocument,
    RequirementKind,
    StageTransition,
)
from .liaison import LiaisonAssignment
from .progress import MonthlyProgress
from .regions import (
    CommandRole,
    JointCommand,
    JointCommandMember,
    RegionWorkItem,
    RegionWorkKind,
    RegionWorkStatus,
    WorkUnit,
)
from .registry import (
    OVERDUE_STAGES,
    PROJECT_CODE_RE,
    STAGE_ORDER,
    STAGE_PHASE,
    ParticipantRole,
    Phase,
    Project,
    ProjectGroupObjectPermission,
    ProjectLevel,
    ProjectParticipant,
    ProjectQuerySet,
    ProjectType,
    ProjectUserObjectPermission,
    Stage,
    next_stage,
)
from .risks import Risk, RiskCategory, RiskStatus, risk_band
from .schedule import (
    BaselineTask,
    ResponsibilityKind,
    ScheduleBaseline,
    ScheduleTask,
    TaskDependency,
    TaskResponsibility,
)

__all__ = [
    "OVERDUE_STAGES", "PROJECT_CODE_RE", "STAGE_ORDER", "STAGE_PHASE", "BaselineTask", "BimElement", "BimLink",
    "BimLinkKind", "BimModel", "BimModelState", "CommandRole", "FeasibilityOpinion",
    "FeasibilityReview", "GateCondition", "GateConfirmation", "GateRequirement", "JointCommand",
    "JointCommandMember", "LiaisonAssignment", "MonthlyProgress", "OpinionConclusion", "OpinionState", "ParticipantRole", "Phase",
    "Project", "ProjectDocument", "ProjectGroupObjectPermission", "ProjectLevel", "ProjectParticipant",
    "ProjectQuerySet", "ProjectType", "ProjectUserObjectPermission", "RegionWorkItem", "RegionWorkKind",
    "RegionWorkStatus", "RequirementKind", "ResponsibilityKind", "FeasibilityState", "Risk", "RiskCategory",
    "RiskStatus", "ScheduleBaseline", "ScheduleTask", "Stage", "StageTransition", "TaskDependency",
    "TaskResponsibility", "WorkUnit", "next_stage", "risk_band",
]
