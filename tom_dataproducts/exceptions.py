"""``from tom_dataproducts.exceptions import InvalidFileFormatException``: what a TOM Toolkit processor raises for a
file it cannot read. Here it is a ``ProcessingError``: the upload is refused with its message, and nothing is kept."""
from __future__ import annotations

from dataproducts.services import ProcessingError


class InvalidFileFormatException(ProcessingError):
    pass
