"""Settings still holding the documentation's placeholder ("set SCIMMA_CREDENTIAL_USERNAME value in environment").

The TOM Toolkit's documented settings blocks read credentials with ``os.getenv(NAME, "set NAME value in
environment")``: a value left unset arrives as that sentence. ``DATA_SHARING`` and ``ALERT_STREAMS`` both treat it
as no value (a destination not configured, a stream refused naming the key), through these two functions.
"""
from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"^\s*set\b.*\bin\s+environment\s*$", re.IGNORECASE)


def is_placeholder(value) -> bool:
    """Whether ``value`` is the documentation's "set ... in environment" text (safe to quote: never a secret)."""
    return isinstance(value, str) and bool(_PLACEHOLDER.match(value))


def has_value(value) -> bool:
    """Whether a setting was given: not missing, not empty, not the documentation's placeholder."""
    return value not in (None, "") and not is_placeholder(value)
