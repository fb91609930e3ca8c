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


def fuzzy_keys(term: str, max_spaces: int = 6) -> set[str]:
    """Keys a name typed in a URL may stand for.

    TOM Toolkit senders put names in the query string without encoding them,
    so a ``+`` arrives as a space ("AT 2025zz+1" as "AT 2025zz 1"). Each
    space may therefore have been a ``+``: all those spellings are tried
    (up to 2**6 of them), each an exact lookup on the indexed key.
    """
    term = (term or "").strip()
    spaces = term.count(" ")
    if spaces == 0 or spaces > max_spaces:
        return {simplify_name(term)} - {""}
    parts = term.split(" ")
    keys = set()
    for mask in range(2 ** spaces):
        text = parts[0]
        for i, part in enumerate(parts[1:]):
            text += ("+" if mask >> i & 1 else " ") + part
        keys.add(simplify_name(text))
    return keys - {""}
