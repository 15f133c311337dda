"""Access-matrix rows of contracts (loaded by tests/access_matrix_spec.py)."""

from access_matrix_spec import POST_ONLY, PROJECT, E

CONTRACT, CONTRACT_ID = {"pk": "contract"}, {"id": "contract"}

PAGES = {
    "supervision:contract-list": E(),
    "supervision:contract-export": E(),
    "supervision:project-contracts": E(args=PROJECT),
    "supervision:project-contracts-export": E(args=PROJECT),
    "supervision:contract-create": E(args=PROJECT, action="manage"),
    "supervision:contract-detail": E(args=CONTRACT),
    "supervision:contract-edit": E(args=CONTRACT, action="change"),
    "supervision:contract-complete": E(args=CONTRACT, action="move:complete", methods=POST_ONLY),
    "supervision:contract-terminate": E(args=CONTRACT, action="move:terminate"),
    "supervision:contract-document-add": E(args=CONTRACT, action="change", methods=POST_ONLY),
    "supervision:contract-document": E(args={"pk": "contract_document"}),
}

API = {
    "supervision_contracts_list": E(),
    "supervision_contracts_create": E(),  # the service asks `manage` on the project named in the body
    "supervision_contracts_retrieve": E(args=CONTRACT_ID),
    "supervision_contracts_partial_update": E(args=CONTRACT_ID, action="change"),
    "supervision_contracts_complete_create": E(args=CONTRACT_ID, action="move:complete"),
    "supervision_contracts_terminate_create": E(args=CONTRACT_ID, action="move:terminate"),
    "supervision_contracts_documents_create": E(args=CONTRACT_ID, action="change"),
    "supervision_contracts_documents_retrieve": E(
        args={"id": "contract_document.contract", "doc_id": "contract_document"}),
}


def WORLD(both, users) -> dict:  # noqa: N802  (the name the spec loader reads)
    from supervision.models import Contract, ContractDocument

    return {"contract": both(Contract.objects.filter(voided_at__isnull=True)),
            "contract_document": both(ContractDocument.objects.all(), "contract__project")}
