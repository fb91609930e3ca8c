"""The TOM Toolkit's ``tom_dataproducts`` import paths, so what its documentation and its users' code import works.

- ``from tom_dataproducts.data_processor import DataProcessor``: the base a TOM Toolkit processor subclasses
  (``process_data`` returning ``(timestamp, value, source_name)`` tuples), run here by our processor machinery
  (files inspected against this TOM's limits first); also ``run_data_processor``;
- ``DATA_PROCESSORS`` paths ``tom_dataproducts.processors.photometry_processor.PhotometryProcessor`` and
  ``...spectroscopy_processor.SpectroscopyProcessor``: our processors;
- ``from tom_dataproducts.models import ReducedDatum, DataProduct``: our models (``ReducedDatum.objects.create``
  / ``get_or_create`` / ``bulk_create`` with the TOM Toolkit's fields store through ``save_datums``);
- ``tom_dataproducts.exceptions.InvalidFileFormatException``; ``tom_dataproducts.alertstreams.hermes.
  hermes_alert_handler`` (our Hermes handler).

Our names (``dataproducts``, ``alertstreams``) stay the primary ones. This package takes the place of the TOM
Toolkit's: this TOM and the TOM Toolkit are alternatives, never installed in one environment.
"""
