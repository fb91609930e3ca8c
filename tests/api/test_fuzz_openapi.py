"""schemathesis against our own OpenAPI schema: whatever it generates, the API never answers 5xx."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.api.conftest import basic
from tom.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@schema.parametrize()
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_input_makes_the_api_fail(case, users, target, data_product):
    case.call_and_validate(headers=basic("root", "pw-root"), checks=[not_a_server_error])
