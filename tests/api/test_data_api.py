"""/api/reduceddatums/ and /api/dataproducts/: both sender generations, duplicates, bad input, bulk."""
from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.utils import override_settings

from dataproducts.models import DataProduct, Ingest, ReducedDatum
from tests.conftest import PHOTOMETRY_CSV


def datum(target, **value):
    return {"target": target.pk, "data_type": "photometry", "timestamp": "2024-05-01T03:04:05.123456+00:00",
            "source_name": "", "source_location": "", "data_product": None, "value": value}


def post(client, body, **kwargs):
    return client.post("/api/reduceddatums/", body, content_type="application/json", **kwargs)


def test_2x_photometry_with_a_limit_and_a_duplicate_answered_200(api_as, target, users):
    client = api_as("editor")
    first = post(client, datum(target, magnitude=18.2, error=0.05, filter="r", telescope="LCO 1m"))
    assert first.status_code == 201 and first.json()["message"] == "Data successfully uploaded."
    again = post(client, datum(target, magnitude=18.2, error=0.05, filter="r", telescope="LCO 1m"))
    assert again.status_code == 200 and again.json()["already_exists"] is True
    limit = post(client, {**datum(target, limit=20.5, filter="r"), "data_product": ""})
    assert limit.status_code == 201
    stored = ReducedDatum.objects.order_by("pk")
    assert [(d.brightness, d.limit, d.bandpass) for d in stored] == [(18.2, None, "r"), (None, 20.5, "r")]
    assert stored[0].source_name == "editor" and stored[0].ingest.user == users["editor"]
    assert stored[0].ingest.origin == "api"


def test_3x_keys_and_a_bare_non_detection_stored_once(api_as, target):
    client = api_as("editor")
    body = datum(target, brightness=None, brightness_error=None, bandpass="g", unit="AB mag", telescope="T")
    assert post(client, body).status_code == 201
    assert post(client, body).status_code == 200
    assert ReducedDatum.objects.count() == 1 and ReducedDatum.objects.get().is_limit


def test_the_sending_tom_is_recorded(api_as, target):
    post(api_as("editor"), datum(target, magnitude=18, filter="r"), headers={"X-TOM-Name": "Peer TOM"})
    assert Ingest.objects.get().received_from == "Peer TOM"


def test_form_encoded_datum(api_as, target):
    response = api_as("editor").post("/api/reduceddatums/", {
        "target": target.pk, "data_type": "photometry", "timestamp": "2024-05-01T00:00:00",
        "value": json.dumps({"magnitude": 17.1, "filter": "V"})})
    assert response.status_code == 201, response.json()
    assert ReducedDatum.objects.get().brightness == 17.1


def test_spectroscopy_datum(api_as, target):
    response = post(api_as("editor"), {**datum(target), "data_type": "spectroscopy",
                                       "value": {"flux": [1, 2], "wavelength": [500, 501], "flux_units": "mJy"}})
    assert response.status_code == 201
    assert ReducedDatum.objects.get().value["flux_units"] == "mJy"


@pytest.mark.parametrize("role,body_change,field", [
    ("viewer", {}, "target"),  # may view, may not change: as a TOM Toolkit receiver says it
    ("outsider", {}, "target"),
    ("editor", {"target": 99999}, "target"),
    ("editor", {"target": "abc"}, "target"),
    ("editor", {"timestamp": "last tuesday"}, "timestamp"),
    ("editor", {"data_type": ""}, "data_type"),
    ("editor", {"value": {"magnitude": "bright"}}, "brightness"),
    ("editor", {"value": [1, 2]}, "value"),
])
def test_bad_datums_are_400_naming_the_field(api_as, target, role, body_change, field):
    response = post(api_as(role), {**datum(target, magnitude=18, filter="r"), **body_change})
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not ReducedDatum.objects.exists()


def test_malformed_bodies(api_as, target):
    client = api_as("editor")
    assert post(client, "{broken").status_code == 400
    assert post(client, "[1, 2]").json() == {"non_field_errors": ["Send one JSON object."]}
    assert not ReducedDatum.objects.exists()


def test_bulk_reports_each_datum(api_as, target):
    client = api_as("editor")
    good = [datum(target, magnitude=18 + i / 100, filter="g") for i in range(3)]
    bad = {"data_type": "photometry", "timestamp": "never", "value": {}}
    response = client.post("/api/reduceddatums/bulk/", {"target": target.pk, "datums": good + [bad, good[0]]},
                           content_type="application/json")
    body = response.json()
    assert response.status_code == 200
    assert (body["created"], body["existing"], body["rejected"]) == (3, 1, 1)
    assert body["statuses"] == ["created"] * 3 + ["rejected", "existing"]
    assert body["errors"][0]["index"] == 3 and "timestamp" in body["errors"][0]["reason"]
    again = client.post("/api/reduceddatums/bulk/", {"target": target.pk, "datums": good}, content_type="application/json")
    assert again.json()["existing"] == 3 and ReducedDatum.objects.count() == 3
    denied = api_as("viewer").post("/api/reduceddatums/bulk/", {"target": target.pk, "datums": good},
                                   content_type="application/json")
    assert denied.status_code == 400 and "target" in denied.json()


def test_listing_datums_is_filtered_and_paginated(api_as, target, users):
    from targets.services import create_target
    from tests.conftest import sidereal

    other = create_target(users["superuser"], sidereal("Secret"))
    client = api_as("superuser")
    for t in (target, other):
        post(client, datum(t, magnitude=18, filter="r"))
    listed = api_as("viewer").get("/api/reduceddatums/").json()
    assert listed["count"] == 1 and listed["results"][0]["target"] == target.pk
    assert listed["results"][0]["value"]["magnitude"] == 18.0
    assert api_as("superuser").get("/api/reduceddatums/", {"target__id": other.pk}).json()["count"] == 1
    assert api_as("superuser").get("/api/reduceddatums/", {"data_type": "spectroscopy"}).json()["count"] == 0


def upload(client, owner, name="lightcurve.csv", content=PHOTOMETRY_CSV.encode(), **fields):
    data = {"file": SimpleUploadedFile(name, content), "target": str(owner.pk), "data_product_type": "photometry",
            **fields}
    return client.post("/api/dataproducts/", data)


def test_data_product_upload_like_a_toolkit_sender(api_as, target):
    client = api_as("editor")
    response = upload(client, target, name="some/path/lightcurve.csv", product_id="peer:42", observation_record="7")
    assert response.status_code == 201, response.json()
    product = DataProduct.objects.get()
    assert product.filename == "lightcurve.csv" and product.product_id == "peer:42"
    assert ReducedDatum.objects.filter(data_product=product).count() == 3
    again = upload(client, target, product_id="peer:42")
    assert again.status_code == 200 and again.json()["already_exists"] is True
    download = client.get(response.json()["data"].replace("http://testserver", ""))
    assert b"".join(download.streaming_content).decode() == PHOTOMETRY_CSV


@pytest.mark.parametrize("fields,field", [
    ({"data_product_type": "movie"}, "data_product_type"),
    ({"target": "999"}, "target"),
])
def test_bad_data_products(api_as, target, fields, field):
    response = upload(api_as("editor"), target, **fields)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not DataProduct.objects.exists()


def test_unknown_type_lists_the_valid_ones(api_as, target):
    message = upload(api_as("editor"), target, data_product_type="movie").json()["data_product_type"][0]
    assert "photometry, spectroscopy, fits_file, image_file" in message


def test_a_file_that_fails_processing_keeps_nothing(api_as, target, media_root):
    response = upload(api_as("editor"), target, content=b"mjd,filter,mag\n60400,g,oops\n")
    assert response.status_code == 400 and "'oops' is not a number" in response.json()["data"][0]
    assert not DataProduct.objects.exists() and not ReducedDatum.objects.exists()


def test_missing_file_part_and_oversized_files(api_as, target):
    client = api_as("editor")
    missing = client.post("/api/dataproducts/", {"target": str(target.pk), "data_product_type": "photometry"})
    assert missing.status_code == 400 and "file" in missing.json()
    with override_settings(DATA_PRODUCT_MAX_BYTES=10):
        assert "file" in upload(client, target).json()
    assert not DataProduct.objects.exists()


def test_data_product_listing_and_delete(api_as, target, data_product):
    assert api_as("viewer").get("/api/dataproducts/").json()["count"] == 1
    assert api_as("outsider").get("/api/dataproducts/").json()["count"] == 0
    assert api_as("viewer").delete(f"/api/dataproducts/{data_product.pk}/").status_code == 403
    assert api_as("editor").delete(f"/api/dataproducts/{data_product.pk}/").status_code == 204
    assert not ReducedDatum.objects.exists()
