"""Data written the TOM Toolkit's way (issue 13 item 3): its imports, its processors, its ORM calls.

- ``ReducedDatum.objects.create`` / ``get_or_create`` / ``bulk_create`` / ``save()`` with the TOM Toolkit's fields
  store exactly what the API path stores (the same columns and fingerprint), once, with an ``Ingest``;
- ``tom_dataproducts.data_processor.DataProcessor`` subclasses (tests/compat/toolkit_code.py) run on upload, after
  our file checks; ``DATA_PROCESSORS``' documented paths are our processors;
- ``from tom_targets.sharing import continuous_share_data`` is ours, and after a processor's own bulk_create it
  queues nothing twice. The end-to-end runs, to a second TOM, are in test_toolkit_processors_share.py.
"""
from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from importlib import import_module
from inspect import getsource
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from tom_dataproducts.alertstreams.hermes import hermes_alert_handler as documented_hermes_handler
from tom_targets import sharing as toolkit_sharing

from alertstreams.hermes import hermes_alert_handler

from dataproducts.datums import fingerprint, parse_datum
from dataproducts.models import DataProduct, Ingest, ReducedDatum
from dataproducts.processors import processor_for
from dataproducts.processors.photometry import PhotometryProcessor
from dataproducts.processors.spectroscopy import SpectroscopyProcessor
from dataproducts.services import save_datums
from sharing.continuous import continuous_share_data
from sharing.models import Delivery, PersistentShare
from tests.alertstreams.conftest import hermes_message, hopskotch, photometry_row, publish
from tests.compat import toolkit_code
from tests.compat.documented import CONTINUOUS_SHARE_BLOCK, DATA_PROCESSORS

HTMX = {"HTTP_HX_REQUEST": "true"}
MOMENT = datetime(2026, 3, 1, 4, 5, 6, tzinfo=timezone.utc)
TOOLKIT_2 = {"magnitude": 18.25, "error": 0.05, "filter": "r", "telescope": "LCO 1m"}
TOOLKIT_3 = {"brightness": 18.25, "brightness_error": 0.05, "bandpass": "r", "telescope": "LCO 1m"}


def csv_file(rows: list[tuple[float, str, float]], name: str = "lc.csv") -> SimpleUploadedFile:
    text = "mjd,filter,magnitude,error\n" + "".join(f"{m},{f},{mag},0.05\n" for m, f, mag in rows)
    return SimpleUploadedFile(name, text.encode(), "text/csv")


def upload(client, target, file, data_product_type: str = "photometry"):
    return client.post(reverse("dataproducts:upload", args=[target.pk]),
                       {"file": file, "data_product_type": data_product_type}, **HTMX)


def api_fingerprint(target, value: dict, source_name: str = "", **fields) -> int:
    """What the API path (``parse_datum`` then ``save_datums``) stores for this datum."""
    return fingerprint(parse_datum({"target": target.pk, "data_type": "photometry", "timestamp": MOMENT.isoformat(),
                                    "source_name": source_name, "value": value, **fields}))


@pytest.mark.django_db
class TestTheOrmWritesAToolkitHandlerMakes:
    @pytest.mark.parametrize("value", [TOOLKIT_2, TOOLKIT_3], ids=["2.x keys", "3.x keys"])
    def test_create_stores_what_the_api_stores_once(self, target, value):
        datum = ReducedDatum.objects.create(target=target, data_type="photometry", timestamp=MOMENT,
                                            source_name="ZTF", source_location="https://alerts.example/1",
                                            value=value)
        assert datum.pk is not None
        assert (datum.brightness, datum.brightness_error, datum.bandpass, datum.telescope) == (18.25, 0.05, "r",
                                                                                              "LCO 1m")
        assert datum.fingerprint == api_fingerprint(target, value, "ZTF", source_location="https://alerts.example/1")
        assert (datum.ingest.origin, datum.source_name) == ("code", "ZTF")
        again = ReducedDatum.objects.create(target=target, data_type="photometry", timestamp=MOMENT,
                                            source_name="ZTF", source_location="https://alerts.example/1",
                                            value=value)
        assert again.pk == datum.pk and ReducedDatum.objects.count() == 1

    def test_the_same_datum_from_the_api_and_from_the_orm_is_stored_once(self, target):
        save_datums(target, [parse_datum({"data_type": "photometry", "timestamp": MOMENT.isoformat(),
                                          "source_name": "ZTF", "value": TOOLKIT_2})], origin="api")
        datum, created = ReducedDatum.objects.get_or_create(target=target, data_type="photometry", timestamp=MOMENT,
                                                            source_name="ZTF", value=TOOLKIT_3)
        assert (created, ReducedDatum.objects.count(), datum.pk) == (False, 1, ReducedDatum.objects.get().pk)

    def test_get_or_create_gets_what_it_created(self, target):
        fields = {"target": target, "data_type": "photometry", "timestamp": MOMENT, "value": TOOLKIT_2}
        first, created = ReducedDatum.objects.get_or_create(defaults={"source_name": "ATLAS"}, **fields)
        second, created_again = ReducedDatum.objects.get_or_create(defaults={"source_name": "ATLAS"}, **fields)
        assert (created, created_again, first.pk) == (True, False, second.pk)
        assert first.source_name == "ATLAS"

    def test_a_datum_without_a_source_is_this_toms_like_an_upload(self, target, settings):
        datum = ReducedDatum.objects.create(target=target, data_type="photometry", timestamp=MOMENT, value=TOOLKIT_2)
        assert datum.source_name == settings.TOM_NAME

    def test_bulk_create_stores_the_new_ones_and_skips_what_is_there_in_one_ingest(self, target):
        ReducedDatum.objects.create(target=target, data_type="photometry", timestamp=MOMENT, value=TOOLKIT_2)
        rows = [ReducedDatum(target=target, data_type="photometry", timestamp=MOMENT,
                             value={**TOOLKIT_2, "magnitude": 18.0 + i / 10}) for i in range(5)]
        rows.append(ReducedDatum(target=target, data_type="photometry", timestamp=MOMENT, value=TOOLKIT_2))  # there
        rows.append(ReducedDatum(target=target, data_type="photometry", timestamp=MOMENT, value=TOOLKIT_2))  # again
        returned = ReducedDatum.objects.bulk_create(rows)
        assert returned == rows
        assert [r.pk is not None for r in rows] == [True] * 5 + [False, False]
        assert ReducedDatum.objects.count() == 6
        assert len({r.ingest_id for r in rows[:5]}) == 1 and Ingest.objects.count() == 2
        assert sorted(r.brightness for r in rows[:5]) == [18.0, 18.1, 18.2, 18.3, 18.4]

    def test_a_bad_datum_in_bulk_create_names_its_row_and_stores_nothing(self, target):
        rows = [ReducedDatum(target=target, data_type="photometry", timestamp=MOMENT, value=TOOLKIT_2),
                ReducedDatum(target=target, data_type="photometry", timestamp=MOMENT,
                             value={"magnitude": "bright", "filter": "r"})]
        with pytest.raises(ValidationError, match=r"Row 2: brightness: 'bright' is not a number"):
            ReducedDatum.objects.bulk_create(rows)
        assert not ReducedDatum.objects.exists() and not Ingest.objects.exists()

    @pytest.mark.parametrize("fields,words", [
        ({"data_type": ""}, "data_type: is required"),
        ({"timestamp": "yesterday"}, "timestamp: 'yesterday' is not an ISO 8601"),
        ({"value": {"filter": "r" * 33, "magnitude": 1}}, "bandpass: is longer than 32 characters"),
        ({"source_name": "x\x00y"}, "source_name: contains a NUL character"),
        ({"target": None}, "target: is required"),
    ])
    def test_create_refuses_a_bad_datum_naming_the_field(self, target, fields, words):
        with pytest.raises(ValidationError, match=words):
            ReducedDatum.objects.create(**{"target": target, "data_type": "photometry", "timestamp": MOMENT,
                                           "value": TOOLKIT_2, **fields})
        assert not ReducedDatum.objects.exists()

    def test_save_of_a_new_instance_is_create(self, target):
        datum = ReducedDatum(target=target, data_type="photometry", timestamp=MOMENT, value=TOOLKIT_3)
        datum.save()
        assert (datum.pk, datum.bandpass) == (ReducedDatum.objects.get().pk, "r")
        datum.source_location = "edited"
        datum.save()  # an existing row: an ordinary update
        assert ReducedDatum.objects.get().source_location == "edited"

    def test_our_own_writes_with_an_ingest_are_plain_django(self, target):
        ingest = Ingest.objects.create(origin="manual")
        ReducedDatum.objects.bulk_create([ReducedDatum(target=target, data_type="photometry", timestamp=MOMENT,
                                                       brightness=1.0, ingest=ingest, fingerprint=42)])
        assert ReducedDatum.objects.get().fingerprint == 42  # taken as given, not recomputed

    def test_spectra_with_the_toolkits_keys(self, target):
        datum = ReducedDatum.objects.create(target=target, data_type="spectroscopy", timestamp=MOMENT, value={
            "flux": [1.0, 2.0], "wavelength": [5000.0, 5001.0], "flux_units": "erg/s/cm2/A"})
        assert datum.value["flux"] == [1.0, 2.0] and datum.value["flux_units"] == "erg/s/cm2/A"


def test_the_documented_block_is_in_the_bulk_creating_processor_word_for_word():
    assert textwrap.indent(CONTINUOUS_SHARE_BLOCK, " " * 8) in getsource(toolkit_code.BulkCreatingProcessor)


def test_the_documented_imports_are_ours():
    assert toolkit_sharing.continuous_share_data is continuous_share_data
    assert documented_hermes_handler is hermes_alert_handler


def test_the_documented_data_processors_are_ours(settings):
    settings.DATA_PROCESSORS = DATA_PROCESSORS
    assert type(processor_for("photometry")) is PhotometryProcessor
    assert type(processor_for("spectroscopy")) is SpectroscopyProcessor
    for path in DATA_PROCESSORS.values():
        module, name = path.rsplit(".", 1)
        assert getattr(import_module(module), name) in (PhotometryProcessor, SpectroscopyProcessor)


@pytest.mark.django_db
class TestToolkitProcessorsOnUpload:
    @pytest.fixture(autouse=True)
    def processors(self, settings):
        settings.DATA_PRODUCT_TYPES = {**settings.DATA_PRODUCT_TYPES, "lightcurve": ("lightcurve", "Light curve"),
                                       "brightness": ("brightness", "Brightness"), "bulk": ("bulk", "Bulk"),
                                       "broken": ("broken", "Broken")}
        settings.DATA_PROCESSORS = {**DATA_PROCESSORS,
                                    "lightcurve": "tests.compat.toolkit_code.LightCurveProcessor",
                                    "brightness": "tests.compat.toolkit_code.BrightnessProcessor",
                                    "bulk": "tests.compat.toolkit_code.BulkCreatingProcessor",
                                    "broken": "tests.compat.toolkit_code.BrokenProcessor"}
        toolkit_code.CALLS.clear()

    def test_the_documented_paths_process_an_upload_with_our_processor(self, client_for, target):
        response = upload(client_for("editor"), target, csv_file([(60400.1, "g", 18.5), (60400.2, "r", 18.2)]))
        assert "2 new data point(s)" in response.content.decode()
        assert ReducedDatum.objects.filter(target=target, data_type="photometry").count() == 2

    @pytest.mark.parametrize("kind", ["lightcurve", "brightness", "bulk"])
    def test_a_toolkit_processor_stores_each_datum_once_with_the_uploads_provenance(self, client_for, users,
                                                                                     target, kind, settings):
        if kind == "lightcurve":  # no data_type_override: its datums take the product's type
            settings.DATA_PROCESSORS = {"photometry": "tests.compat.toolkit_code.LightCurveProcessor"}
            kind = "photometry"
        editor = client_for("editor")
        response = upload(editor, target, csv_file([(60400.1, "g", 18.5), (60400.2, "r", 18.2)]), kind)
        assert "Stored lc.csv: 2 new data point(s)." in response.content.decode(), response.content.decode()[:2000]
        product = DataProduct.objects.get()
        datums = ReducedDatum.objects.filter(target=target)
        assert datums.count() == 2 and set(datums.values_list("data_product", flat=True)) == {product.pk}
        assert sorted(datums.values_list("bandpass", "brightness")) == [("g", 18.5), ("r", 18.2)]
        assert {(d.ingest.origin, d.ingest.user) for d in datums} == {("upload", users["editor"])}
        # Overlapping rows in another file: only the new one is stored.
        again = upload(editor, target, csv_file([(60400.2, "r", 18.2), (60400.3, "i", 18.0)], "lc2.csv"), kind)
        assert "1 new data point(s)" in again.content.decode()
        assert ReducedDatum.objects.filter(target=target).count() == 3

    def test_the_file_is_checked_against_our_limits_before_process_data_reads_it(self, client_for, target,
                                                                                  settings):
        settings.DATA_PRODUCT_MAX_TABLE_ROWS = 3
        rows = [(60400 + i / 10, "g", 18.0) for i in range(5)]
        response = upload(client_for("editor"), target, csv_file(rows), "lightcurve")
        assert response.status_code == 400 and "DATA_PRODUCT_MAX_TABLE_ROWS" in response.content.decode()
        assert toolkit_code.CALLS == {} and not DataProduct.objects.exists() and not ReducedDatum.objects.exists()

    @pytest.mark.parametrize("kind,text,words", [
        ("lightcurve", "time,flux\n1,2\n", "Expected a CSV with an mjd column."),  # InvalidFileFormatException
        ("broken", "mjd,filter,magnitude,error\n60400,g,18,0.1\n", "BrokenProcessor could not process it (KeyError"),
    ])
    def test_a_processor_that_fails_refuses_the_file_and_keeps_nothing(self, client_for, target, kind, text, words):
        response = upload(client_for("editor"), target, SimpleUploadedFile("bad.csv", text.encode()), kind)
        assert response.status_code == 400 and words in response.content.decode()
        assert not DataProduct.objects.exists() and not ReducedDatum.objects.exists()


@pytest.mark.django_db
def test_continuous_share_data_after_a_bulk_create_in_one_transaction_queues_each_datum_once(
        settings, sharer, target, django_capture_on_commit_callbacks):
    """The processor's case: its bulk_create and the documented call inside the upload's transaction. The ingest's
    delivery comes at commit; the call, waiting for the commit too, finds it and adds nothing."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.DATA_SHARING = {"peer": {"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u", "PASSWORD": "p"}}
    share = PersistentShare.objects.create(target=target, destination="peer", user=sharer)
    with django_capture_on_commit_callbacks(execute=True):
        rows = ReducedDatum.objects.bulk_create([
            ReducedDatum(target=target, data_type="photometry", timestamp=MOMENT, value={**TOOLKIT_2, "magnitude": m})
            for m in (17.0, 17.5)])
        assert continuous_share_data(target, rows) is None  # queued at commit
    assert list(Delivery.objects.filter(share=share).values_list("ingest", "datum_ids")) == [(rows[0].ingest_id, [])]
    with django_capture_on_commit_callbacks(execute=True):
        continuous_share_data(target, rows)  # the same datums named again later: already on their way
    assert Delivery.objects.filter(share=share).count() == 1


@pytest.mark.django_db
def test_a_toolkit_handler_under_readstreams_stores_stream_data_once(settings, kafka_broker, target):
    topic = kafka_broker.new_topic("toolkit-handler")
    message = hermes_message("SN 2024abc", [photometry_row("SN 2024abc", n) for n in range(3)])
    publish(kafka_broker, topic, [message, message])  # the same rows twice
    settings.ALERT_STREAMS = hopskotch(kafka_broker, {topic: "tests.compat.toolkit_code.store_hermes_photometry"})
    call_command("readstreams", "--until-end", "--max-seconds", "60", stdout=StringIO())
    datums = ReducedDatum.objects.filter(target=target)
    assert datums.count() == 3
    assert {(d.ingest.origin, d.source_name) for d in datums} == {("stream", f"Hermes:{topic}")}
    assert all(d.ingest.stream_message.startswith(f"{topic} @") for d in datums)  # which message, for people
