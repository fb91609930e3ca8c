"""Database ids read from request text: a number a 64-bit key can hold, or a 400 that names the field.

A form field or ``pk__in`` given "1e30", "²" or 10**30 would otherwise reach
the database driver, which answers with an overflow or a type error (a 500).
Ids only ever come from our own pages' checkboxes and menus, so a value that
is not one is a tampered or broken request, refused whole.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from django.core.exceptions import BadRequest
from pydantic import Field

MAX_ID = 2**63 - 1  # the largest value of a 64-bit signed primary key (SQLite and PostgreSQL bigint)

# An id in an API path, query or body: a larger number is a 400, not an overflow inside the database driver.
Id = Annotated[int, Field(ge=0, le=MAX_ID)]


def parse_id(value, field: str) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 19 or int(text) > MAX_ID:  # 19 digits: 2**63 - 1
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise BadRequest(f"{field}: {shown!r} is not a valid id.")
    return int(text)


def parse_ids(values: Iterable, field: str) -> list[int]:
    return [parse_id(value, field) for value in values]
