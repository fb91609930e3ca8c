"""JSON for the API, with orjson: several times faster than the standard library on large bulk bodies."""
from __future__ import annotations

import orjson


def loads(body: bytes):
    """Parse JSON; a malformed body raises ValueError (orjson.JSONDecodeError is one)."""
    return orjson.loads(body)
