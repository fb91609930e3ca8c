"""How target names are compared.

Two names are the same name when they simplify to the same key, as the TOM
Toolkit's ``simplify_name`` does: lower case, with spaces, ``-``, ``_``, ``(``
and ``)`` removed (commas are kept). "SN 2024abc", "sn2024abc" and
"SN_2024-ABC" are one name. The key is stored, and unique, so the database
itself refuses a second spelling.
"""
from __future__ import annotations

_DROP = str.maketrans("", "", " -_()\t")


def simplify_name(name: str) -> str:
    return (name or "").strip().lower().translate(_DROP)


def split_aliases(text: str) -> list[str]:
    """Aliases typed one per line, or separated by ``;`` or ``|`` (commas belong to names)."""
    parts: list[str] = []
    for line in (text or "").replace("|", "\n").replace(";", "\n").splitlines():
        line = line.strip()
        if line:
            parts.append(line)
    return parts
