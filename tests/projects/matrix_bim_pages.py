"""Access-matrix rows of the BIM pages (loaded by tests/access_matrix_spec.py). Their objects are the BIM API's
world (tests/projects/matrix_bim_api.py: on each side a model read for real and a link of its walls to a task): a
model and a link are seen with their project and changed (upload, retry, link, unlink) by whoever may manage it —
the policy's `change`, which is `manage` on the project."""

from access_matrix_spec import POST_ONLY, E

ON_MODEL_PROJECT = {"pk": "bim_model.project"}
MODEL = {"pk": "bim_model"}
GET_ONLY = ("GET",)

PAGES = {
    "projects:bim": E(args=ON_MODEL_PROJECT),
    "projects:bim-upload": E(args=ON_MODEL_PROJECT, action="manage", methods=POST_ONLY),
    "projects:bim-link-add": E(args=ON_MODEL_PROJECT, action="manage", methods=POST_ONLY),
    "projects:bim-model": E(args=MODEL),
    "projects:bim-retry": E(args=MODEL, action="change", methods=POST_ONLY),
    "projects:bim-file": E(args=MODEL, methods=GET_ONLY),
    "projects:bim-status": E(args=MODEL),
    "projects:bim-geometry": E(args=MODEL),
    "projects:bim-viewer": E(args=MODEL, methods=GET_ONLY),
    "projects:bim-link-delete": E(args={"pk": "bim_link"}, action="change", methods=POST_ONLY),
}
