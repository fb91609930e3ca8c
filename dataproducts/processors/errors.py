"""The one error a processor raises for a file it cannot read.

It lives below both the processors and ``dataproducts.services`` (which runs them and turns the error
into a form error naming the file), so neither has to import the other to share it.
"""
from __future__ import annotations


class ProcessingError(ValueError):
    """A file its processor cannot read; the message names the row or column."""
