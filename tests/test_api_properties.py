"""Property-based API test (schemathesis over /api/schema/): for every operation, generated requests (valid and
invalid per the schema) never answer 5xx, and every answer matches the schema. Examples are bounded
(PROPERTY_EXAMPLES, default 6 per operation, no shrinking) to keep `make test` short; raise it locally to dig deeper."""
import os

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import make_issue, make_user

pytestmark = pytest.mark.django_db
SEEN = []
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "6"))
# Left out, with the reason: plan (the solver runs for `seconds`, by design), import and photo/track uploads
# (multipart files; their own tests feed them real and broken files), the binary xlsx/tile/pdf answers are
# still called (no 5xx) but carry no JSON schema to conform to; revoking would end the test's own token.
SKIP = {("POST", "/api/patrols/plan/"), ("POST", "/api/issues/import/"), ("POST", "/api/issues/{id}/photos/"),
        ("POST", "/api/patrols/tracks/"), ("POST", "/api/auth/token/revoke/"), ("POST", "/api/auth/token/revoke-all/")}


@pytest.fixture
def schema(geography, client):
    user = make_user("district", "310112")
    client.force_login(user)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    loaded = schemathesis.openapi.from_dict(response.json())
    loaded.app = WSGIHandler()
    make_issue(user)
    _, token = AuthToken.objects.create(user=user)
    # As Django's test client does: the test's transaction holds the data, so a request must not close it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield loaded, {"Authorization": f"Token {token}"}
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def checked_run(operation, headers, failures):
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(data=st.data())
    def run(data):
        case = data.draw(operation.as_strategy())
        response = case.call(headers=headers)
        SEEN.append((operation.path, response.status_code))
        try:
            case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        except Exception as exc:  # collect, so one run names every operation that fails
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:600]}")
            raise

    return run


def test_no_5xx_and_answers_match_the_schema(schema):
    loaded, headers = schema
    operations = [op.ok() for op in loaded.get_all_operations()]
    assert len(operations) > 20
    failures = []
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIP:
            continue

        run = checked_run(operation, headers, failures)
        try:
            run()
        except Exception as exc:
            if not failures or operation.path not in failures[-1]:
                failures.append(f"{operation.method.upper()} {operation.path}: {exc!r}"[:600])
    assert any(code == 200 for _, code in SEEN) and any(code == 400 for _, code in SEEN)
    assert not failures, "\n".join(failures)
