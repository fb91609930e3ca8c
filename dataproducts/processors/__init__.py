"""Processors turn a data product's file into reduced data.

``DATA_PROCESSORS`` maps a data product type to a processor class by dotted
path, as in the TOM Toolkit. A processor returns canonical datum dicts, or
for large files ``DatumColumns`` (see ``dataproducts.datums``), and raises ``ProcessingError`` naming the row or
column it could not read. Types without a processor (plain FITS files,
images) are kept as files only.

No processor reads a file before ``bounds.inspect`` has checked what it declares against this TOM's
limits: ours call it themselves (they use what it learns), any other one gets it called first. Both
read ``data_product.data.path``: in an object store that is a local copy made for the run
(``files.readable_path``), the one file the checks and the reader both see.
"""
from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from ..files import readable_path
from .bounds import inspect
from .errors import ProcessingError


class DataProcessor:
    """Base class: one method to implement."""

    #: True when ``process`` calls ``bounds.inspect`` itself; otherwise ``run_processor`` calls it first.
    inspects_file = False

    def process(self, data_product):
        """Datum dicts or ``DatumColumns`` for ``data_product``; raise ``ProcessingError`` to refuse the file."""
        return []


def processor_for(data_product_type: str) -> DataProcessor:
    path = getattr(settings, "DATA_PROCESSORS", {}).get(data_product_type)
    if not path:
        return DataProcessor()
    return import_string(path)()


def run_processor(data_product):
    processor = processor_for(data_product.data_product_type)
    if type(processor) is DataProcessor:
        return []  # kept as a file only: nothing reads it
    with readable_path(data_product) as path:
        if not getattr(processor, "inspects_file", False):
            inspect(path)
        return processor.process(data_product)


__all__ = ["DataProcessor", "ProcessingError", "processor_for", "run_processor"]
