"""Access rules of this part beyond the default in projects/permissions.py (seen with the project, changed
by whoever may manage it). Declared by `ProjectsConfig.portal_plugin`.

Monthly progress keeps the default: the owner organisation's users and bureau staff plan and report (they may
`manage` the project); leaders and the other participants read."""

from ..models import MonthlyProgress
from ..permissions import ProjectPartPolicy

POLICIES = (ProjectPartPolicy(MonthlyProgress),)
