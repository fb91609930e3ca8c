"""The templates themselves: what Django would silently print instead of hiding."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_no_one_line_comment_spans_lines():
    """``{# ... #}`` ends at the line's end: one spread over lines is printed as text, and a ``<style>`` in it
    swallowed every page (the browser read the rest of the page as CSS)."""
    unclosed = [f"{path.relative_to(TEMPLATES)}:{number}"
                for path in TEMPLATES.rglob("*.html")
                for number, line in enumerate(path.read_text().splitlines(), start=1)
                if re.search(r"\{#(?!.*#\})", line)]
    assert unclosed == [], "use {% comment %} for comments over several lines"


@pytest.mark.django_db
def test_the_layout_prints_no_template_syntax(client):
    page = client.get("/accounts/login/").content.decode()
    assert "{#" not in page and "#}" not in page and "{%" not in page
    assert page.index('<meta name="htmx-config"') < page.index("</head>")
