"""The API fuzzed from its own OpenAPI schema (/api/v1/schema/) with schemathesis, in-process over WSGI on the test
database and its demo province, as several roles: every operation answers without a server error, with a status
code the schema declares for it, and a body and content type the schema describes.

Bounded for CI: FUZZ_EXAMPLES examples per operation and role (default 5, the same ones every run);
`bash scripts/fuzz.sh` runs 100 new ones before a release. Each operation and role is one test, inside one
transaction, so what a generated request writes (a task, a dependency, a risk…) is seen by the next examples
of that test and rolled back after it."""

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from portal.accounts.models import User
from portal.wsgi import application

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
# Bureau staff may do most writes, the leader reads everything, a contractor sees his organisation's projects
# only.
ROLES = ("staff", "leader", "contractor")
CHECKS = (not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:schemathesis.*")

schema = schemathesis.from_wsgi("/api/v1/schema/?format=json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """The WSGI handler closes old database connections at each request's start and end, which on PostgreSQL would
    close the test's own (and its transaction); Django's test client disconnects the same handler."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def auth_header(request, db) -> dict:
    user = User.objects.get(username=request.param)
    token, _ = Token.objects.get_or_create(user=user)
    return {"Authorization": f"Token {token.key}", "Accept-Language": "zh-hans"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    # CI sends the same requests on every run, so that a failure is reproducible; FUZZ_RANDOM=1 (scripts/fuzz.sh)
    # explores new ones each time (Hypothesis prints how to reproduce what it finds).
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, auth_header):
    response = case.call_wsgi(headers=auth_header)
    case.validate_response(response, checks=CHECKS)
