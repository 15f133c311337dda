"""What the safety part declares to the portal (merged by `supervision.apps`)."""

from portal.accounts.models import Role

_MODELS = ("safetyresponsibility", "trainingrecord", "incident")

ROLE_PERMISSIONS = {
    Role.BUREAU_STAFF: [f"supervision.{action}_{model}" for model in _MODELS for action in ("view", "add", "change")],
    Role.LEADER: [f"supervision.view_{model}" for model in _MODELS],
    Role.CONTRACTOR: [f"supervision.add_{model}" for model in _MODELS],
}
