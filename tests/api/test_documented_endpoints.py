"""docs/api.md's endpoint table lists exactly the endpoints the API serves (/api/... and /targets/persistentshare/...) (read from the page and the OpenAPI schema)."""
from __future__ import annotations

import re

from tests.servers import ROOT
from tom.api import api


def documented_endpoints() -> set[tuple[str, str]]:
    page = (ROOT / "docs" / "api.md").read_text()
    table = re.search(r"^## Endpoints$(.*?)^## ", page, re.S | re.M).group(1)
    rows = re.findall(r"^\| `(GET|POST|PATCH|PUT|DELETE) (/(?:api|targets)/[^`]*)` \|", table, re.M)
    return {(method, re.sub(r"<\w+>", "{}", path)) for method, path in rows}


def served_endpoints() -> set[tuple[str, str]]:
    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), re.sub(r"\{\w+\}", "{}", path)) for path, ops in paths.items() for method in ops
            if path != "/api/"}  # GET /api/ is described above the table


def test_the_api_page_documents_every_endpoint_and_no_other():
    assert documented_endpoints() == served_endpoints()
