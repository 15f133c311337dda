"""Who holds a leader's instruction (批示) on a project (declared in `ProjectsConfig.portal_plugin`,
`instruction_targets`): the owner organisation's users, who answer for the project, and its liaison officer."""

from django.utils.translation import gettext as _

from portal.instructions.targets import Holders

from .models import Project


def project_holders(project: Project) -> Holders:
    label = project.owner.name
    officer = project.liaison_officer
    if officer is not None:
        label = _("%(owner)s and the liaison officer %(name)s") % {"owner": label, "name": officer.get_full_name()}
    return Holders(organization_id=project.owner_id, user_ids=(officer.pk,) if officer is not None else (),
                   label=label)
