"""Access rules of this part beyond the default in projects/permissions.py (seen with the project, changed
by whoever may manage it). Declared by `ProjectsConfig.portal_plugin`."""

from ..models import Risk
from ..permissions import ProjectPartPolicy

POLICIES = (ProjectPartPolicy(Risk),)
