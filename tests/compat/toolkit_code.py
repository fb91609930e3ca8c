"""Code a TOM Toolkit user has in their project, written the TOM Toolkit's way (its imports, its base class, its
ORM calls), configured in our settings by the tests of this package. Nothing here knows about this TOM.

- ``LightCurveProcessor``: ``process_data`` returns ``(timestamp, value, source_name)`` tuples, 2.x keys.
- ``BrightnessProcessor``: the same with 3.x keys and its own data type (``data_type_override``).
- ``BulkCreatingProcessor``: writes its ``ReducedDatum`` rows itself with ``bulk_create``, then triggers continuous
  sharing with continuous-sharing.rst's last block, word for word (``tests.compat.documented``).
- ``store_hermes_photometry``: an alert handler that stores a Hermes message's photometry with ``get_or_create``.

``CALLS`` counts how often each processor's ``process_data`` ran (to show the file checks come first).
"""
import csv
import io
import logging

from astropy.time import Time

from tom_dataproducts.data_processor import DataProcessor
from tom_dataproducts.exceptions import InvalidFileFormatException
from tom_dataproducts.models import ReducedDatum
from tom_targets.models import Target

logger = logging.getLogger(__name__)
CALLS = {}


def read_rows(data_product):
    """The rows of a CSV with columns mjd, filter, magnitude, error."""
    with data_product.data.open("rb") as stream:
        text = stream.read().decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "mjd" not in rows[0]:
        raise InvalidFileFormatException("Expected a CSV with an mjd column.")
    return rows


class LightCurveProcessor(DataProcessor):

    def process_data(self, data_product):
        CALLS[type(self).__name__] = CALLS.get(type(self).__name__, 0) + 1
        photometry = []
        for row in read_rows(data_product):
            timestamp = Time(float(row["mjd"]), format="mjd", scale="utc").to_datetime()
            value = {"magnitude": float(row["magnitude"]), "error": float(row["error"]), "filter": row["filter"]}
            photometry.append((timestamp, value, "LightCurveProcessor"))
        return photometry


class BrightnessProcessor(DataProcessor):

    def data_type_override(self):
        return "photometry"

    def process_data(self, data_product):
        CALLS[type(self).__name__] = CALLS.get(type(self).__name__, 0) + 1
        return [(Time(float(row["mjd"]), format="mjd"),
                 {"brightness": float(row["magnitude"]), "brightness_error": float(row["error"]),
                  "bandpass": row["filter"], "unit": "AB mag", "telescope": "LCO 1m"}, "")
                for row in read_rows(data_product)]


class BrokenProcessor(DataProcessor):

    def process_data(self, data_product):
        return [row["no such column"] for row in read_rows(data_product)]


class BulkCreatingProcessor(DataProcessor):

    def process_data(self, data_product):
        CALLS[type(self).__name__] = CALLS.get(type(self).__name__, 0) + 1
        dp = data_product
        new_reduced_datums = []
        for row in read_rows(dp):
            timestamp = Time(float(row["mjd"]), format="mjd", scale="utc").to_datetime()
            new_reduced_datums.append(ReducedDatum(
                target=dp.target, data_product=dp, data_type="photometry", timestamp=timestamp,
                value={"magnitude": float(row["magnitude"]), "error": float(row["error"]), "filter": row["filter"]},
                source_name="BulkCreatingProcessor"))
        reduced_datums = ReducedDatum.objects.bulk_create(new_reduced_datums)

        from tom_targets.sharing import continuous_share_data
        # After all your logic to bulk_create ReducedDatums
        # Trigger any sharing you may have set to occur when new data comes in
        # Encapsulate this in a try/catch so sharing failure doesn't prevent dataproduct ingestion
        try:
            continuous_share_data(dp.target, reduced_datums)
        except Exception as e:
            logger.warning(f"Failed to share new dataproduct {dp.product_id}: {repr(e)}")

        return []


def store_hermes_photometry(alert, metadata):
    """A TOM Toolkit 2.x-style handler: each photometry row of a Hermes message, stored once."""
    for row in alert.content["data"]["photometry"]:
        target = Target.objects.get(name=row["target_name"])
        ReducedDatum.objects.get_or_create(
            target=target, data_type="photometry", timestamp=row["date_obs"],
            source_name=f"Hermes:{metadata.topic}", source_location="",
            value={"magnitude": row["brightness"], "error": row["brightness_error"], "filter": row["bandpass"],
                   "telescope": row["telescope"]})
