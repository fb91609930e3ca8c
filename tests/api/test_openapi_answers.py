"""/api/docs shows what each operation answers: every success answer has a declared schema, not ``dict``."""
from __future__ import annotations

from tom.api import api

FREE_FORM = {"type": "object", "additionalProperties": True}


def test_every_operation_declares_the_schema_of_its_answer():
    undeclared = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if str(status) == "204":
                    continue  # no body
                schemas = [c.get("schema", {}) for c in answer.get("content", {}).values()]
                if not schemas or any(not s or s.get("title") == "Response" or s.items() <= FREE_FORM.items()
                                      and "$ref" not in s for s in schemas):
                    undeclared.append(f"{method.upper()} {path} {status}: {schemas}")
    assert not undeclared, "\n".join(undeclared)
