"""Who may see and change contracts: a contract belongs to a project — seen by whoever sees the project (its
participants, among them the contract's parties, and the bureau), recorded, changed, completed and terminated by
whoever may manage it (its owner 建设单位, bureau staff). Its documents go with it."""

from projects.permissions import ProjectPartPolicy

from ..models import Contract, ContractDocument

POLICIES = (ProjectPartPolicy(Contract), ProjectPartPolicy(ContractDocument, "contract__project"))
