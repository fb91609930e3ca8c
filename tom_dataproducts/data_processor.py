"""``from tom_dataproducts.data_processor import DataProcessor``: a TOM Toolkit processor, run by our machinery.

A TOM Toolkit processor implements ``process_data(data_product)`` and returns ``(timestamp, value, source_name)``
tuples (``value`` a dict with 2.x or 3.x keys), optionally ``data_type_override()``. This base turns that into our
processor protocol (``dataproducts.processors``: ``process(data_product)`` returns datums): every tuple goes
through ``datums.parse_datum``, as a datum sent to the API does, and ``run_processor`` checks the file against this
TOM's limits (``processors.bounds``) before ``process_data`` reads it. The upload then stores the datums through
``save_datums``: once each, with continuous sharing queued once.

A processor that writes its rows itself (``ReducedDatum.objects.bulk_create``, then
``continuous_share_data(dp.target, reduced_datums)``, as continuous-sharing.rst shows) works too: those writes
are stored through ``save_datums`` with the upload's provenance (``dataproducts.toolkit_writes``), and the call
queues nothing twice.
"""
from __future__ import annotations

import logging
import mimetypes
from datetime import timezone

from django.core.exceptions import ValidationError
from django.db import transaction

from dataproducts import provenance
from dataproducts.datums import DatumError, parse_datum
from dataproducts.models import ReducedDatum
from dataproducts.processors import DataProcessor as OurDataProcessor
from dataproducts.processors import run_processor
from dataproducts.services import ProcessingError, save_datums

logger = logging.getLogger(__name__)

DEFAULT_DATA_PROCESSOR_CLASS = "tom_dataproducts.data_processor.DataProcessor"


def _timestamp(value):
    """A datetime from what TOM Toolkit processors give: a datetime, ISO text, or an astropy ``Time``."""
    if hasattr(value, "to_datetime"):  # astropy Time
        return value.to_datetime(timezone=timezone.utc)
    return value


class DataProcessor(OurDataProcessor):
    """The TOM Toolkit's base: override ``process_data`` (and ``data_type_override`` to store another type)."""

    FITS_MIMETYPES = ["image/fits", "application/fits"]
    PLAINTEXT_MIMETYPES = ["text/plain", "text/csv"]

    mimetypes.add_type("image/fits", ".fits")
    mimetypes.add_type("image/fits", ".fz")
    mimetypes.add_type("application/fits", ".fits")
    mimetypes.add_type("application/fits", ".fz")

    def process_data(self, data_product) -> list:
        """``(timestamp, value, source_name)`` tuples for ``data_product``; the base reads nothing."""
        return []

    def data_type_override(self) -> str:
        """The data type to store the datums as, if not the product's own."""
        return ""

    def process(self, data_product) -> list[dict]:
        """Our protocol: ``process_data``'s tuples as canonical datums; a bad one refuses the file, naming it."""
        data_type = self.data_type_override() or data_product.data_product_type
        name = type(self).__name__
        try:
            rows = self.process_data(data_product)
        except (ProcessingError, ValidationError):
            raise
        except Exception as exc:  # a processor of the user's own: its failure is the file's refusal, not a 500
            logger.exception("%s failed on data product %s", name, data_product.pk)
            raise ProcessingError(f"{name} could not process it ({type(exc).__name__}: {exc})") from exc
        datums = []
        for row, item in enumerate(rows or (), start=1):
            if not isinstance(item, (tuple, list)) or len(item) not in (2, 3) or not isinstance(item[1], dict):
                raise ProcessingError(f"row {row}: {name}.process_data must give (timestamp, value, source_name) "
                                      f"tuples with a dict value, not {str(item)[:80]!r}.")
            source = item[2] if len(item) == 3 else ""
            try:
                datums.append(parse_datum({"data_type": data_type, "timestamp": _timestamp(item[0]),
                                           "source_name": source or "", "value": item[1]}))
            except DatumError as exc:
                raise ProcessingError(str(DatumError(exc.field, exc.message, row=row))) from None
        return datums


def run_data_processor(dp, dp_type_override=None):
    """The TOM Toolkit's function: run ``dp``'s processor (``DATA_PROCESSORS``) and store its datums, once each.

    For code that reprocesses an existing data product (an upload does this itself), all or nothing; a file the
    processor cannot read raises ``ProcessingError`` (``InvalidFileFormatException`` is one). Returns the product's
    datums, as the TOM Toolkit 2.x does. Provenance: the calling code's (``dataproducts.provenance``).
    """
    where = provenance.current()
    stored_type = dp.data_product_type
    try:
        dp.data_product_type = dp_type_override or stored_type  # what run_processor reads
        with transaction.atomic():
            datums = run_processor(dp)
            save_datums(dp.target, datums, origin=where.origin, user=where.user, received_from=where.received_from,
                        claimed_tom_id=where.claimed_tom_id, stream_message=where.stream_message, data_product=dp,
                        default_source=where.default_source)
    finally:
        dp.data_product_type = stored_type
    return ReducedDatum.objects.filter(data_product=dp)
