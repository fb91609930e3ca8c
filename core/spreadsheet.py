"""Cells of our CSV (and ECSV) exports made safe to open in a spreadsheet.

Target names, extras, bandpasses, telescopes and source names come from peers, streams and uploads; a
spreadsheet reads a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before
them) as a formula, which can fetch URLs or, through DDE, run commands. As OWASP's "CSV Injection" page
advises, such a text cell is written with a single quote in front: spreadsheets show it as text. The
csv module already quotes separators, quotes and line breaks inside a cell.

A cell that is a plain number (``-12.5``, ``+3``, ``-1e-3``) is left alone: it cannot be a formula, and
a negative magnitude or declination, or a numeric extra field, must stay a number. Non-text values (floats,
None) pass through untouched. ``restore_cell`` undoes the prefix, so our own export imports back unchanged.
"""
from __future__ import annotations

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _runs_as_formula(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text)


def safe_cell(value):
    """``value``, with a leading ``'`` when it is text a spreadsheet would run as a formula.

    Text that already starts with quotes before such a formula gets one more, so that ``restore_cell``
    gives back exactly what was written here, whatever it was.
    """
    if isinstance(value, str) and _runs_as_formula(value.lstrip("'")):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(value) for value in values]


def restore_cell(value: str) -> str:
    """The text ``safe_cell`` was given, from what it wrote (any other text is returned unchanged)."""
    if value.startswith("'") and _runs_as_formula(value.lstrip("'")):
        return value[1:]
    return value
