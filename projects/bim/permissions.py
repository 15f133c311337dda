"""Access rules of BIM models (declared by `ProjectsConfig.portal_plugin`): the default of a project's parts.

A model (every version of it) and a link between elements and a schedule task are seen by whoever sees the
project; uploading a model, reading a failed one again and linking or unlinking elements are `change`, which is
`manage` on the project (bureau staff and the owner organisation's users). A model's elements have no page of
their own: they are reached through their model, and seen with it."""

from ..models import BimElement, BimLink, BimModel
from ..permissions import ProjectPartPolicy


class BimElementPolicy(ProjectPartPolicy):
    """Seen with the model's project; never changed by anyone (the reading writes them)."""

    actions = ("view",)


POLICIES = (ProjectPartPolicy(BimModel), ProjectPartPolicy(BimLink), BimElementPolicy(BimElement, "model__project"))
