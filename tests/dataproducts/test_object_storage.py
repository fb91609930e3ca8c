"""Data product files in an S3-compatible object store (moto's server on loopback, tests/object_storage.py).

Upload through the page → processed → downloaded through the page and the API, behind the permission check →
shared to a second TOM of ours (under gunicorn, its own bucket, configured by the environment alone) → deleted.
Nothing lands on local disk, the bucket stays private, and no bucket URL or credential reaches a page.
"""
from __future__ import annotations

import io
import os
from datetime import timedelta

import numpy as np
import pytest
import requests
from astropy.table import Table
from botocore.response import StreamingBody
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from dataproducts.files import download_response
from dataproducts.models import DataProduct, ReducedDatum
from dataproducts.orphans import sweep_orphaned_files
from dataproducts.services import upload_data_product
from sharing.services import share_target
from tests.conftest import PHOTOMETRY_CSV
from tests.object_storage import ACCESS_KEY, SECRET_KEY, new_bucket, storage_environment
from tests.dataproducts.test_processors import spectrum_image
from tests.servers import free_port, start_our_tom
from tom.settings import s3_storage

HTMX = {"HX-Request": "true"}
PEER_PASSWORD = "s3-second-tom-pw-1"


def local_files(root) -> list[str]:
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def upload_page(client, target, name: str, content: bytes, kind: str):
    return client.post(reverse("dataproducts:upload", args=[target.pk]),
                       {"file": SimpleUploadedFile(name, content), "data_product_type": kind}, headers=HTMX)


@pytest.fixture(scope="module")
def second_tom_on_s3(s3_server, tmp_path_factory):
    """A second TOM under gunicorn whose files go to a bucket of its own: STORAGE_BACKEND=s3 and the rest of
    docs/storage.md's environment, nothing else."""
    with new_bucket(s3_server) as bucket:
        with pytest.MonkeyPatch.context() as patch:  # start_our_tom passes on this process's environment
            for key, value in storage_environment(s3_server.endpoint, bucket.name).items():
                patch.setenv(key, value)
            server = start_our_tom(tmp_path_factory.mktemp("s3-second-tom"), "Second TOM", PEER_PASSWORD)
        try:
            yield server, bucket
        finally:
            server.stop()


def test_a_product_file_goes_through_the_object_store_from_upload_to_deletion(
        object_storage, media_root, client_for, target, users, settings, second_tom_on_s3,
        django_capture_on_commit_callbacks):
    editor = client_for("editor")
    spectrum = spectrum_image()
    assert "Stored lc.csv: 3 new data points." in upload_page(editor, target, "lc.csv", PHOTOMETRY_CSV.encode(),
                                                               "photometry").content.decode()
    assert "Stored spec.fits: 1 new data point." in upload_page(editor, target, "spec.fits", spectrum,
                                                                 "spectroscopy").content.decode()
    photometry, spectra = (DataProduct.objects.get(data_product_type=kind) for kind in ("photometry", "spectroscopy"))
    assert ReducedDatum.objects.filter(data_product=photometry).count() == 3
    assert len(ReducedDatum.objects.get(data_product=spectra).value["flux"]) == 50
    assert object_storage.keys() == ["sn-2024abc/lc.csv", "sn-2024abc/spec.fits"]
    assert object_storage.read("sn-2024abc/spec.fits") == spectrum
    assert local_files(media_root) == []

    # Downloads stream from the store, to those who may view the target; nobody else gets in, not even by URL.
    viewer = client_for("viewer")
    for product, content in ((photometry, PHOTOMETRY_CSV.encode()), (spectra, spectrum)):
        response = viewer.get(reverse("dataproducts:download", args=[product.pk]))
        assert response.status_code == 200 and response.streaming
        assert b"".join(response.streaming_content) == content
        assert response["Content-Length"] == str(len(content))
        assert f'filename="{product.filename}"' in response["Content-Disposition"]
        api = viewer.get(f"/api/dataproducts/{product.pk}/download/")
        assert api.status_code == 200 and b"".join(api.streaming_content) == content
        assert client_for("outsider").get(reverse("dataproducts:download", args=[product.pk])).status_code == 404
        assert client_for("outsider").get(f"/api/dataproducts/{product.pk}/download/").status_code == 404
        assert requests.get(object_storage.public_url(product.data.name), timeout=10).status_code == 403
    # Read from the object's body as it arrives: django-storages' S3File would first fetch it whole.
    streamed = download_response(spectra.data, spectra.filename)
    assert isinstance(streamed.file_to_stream, StreamingBody)
    streamed.file_to_stream.close()  # not streamed.close(): request_finished would close the database connection
    page = viewer.get(target.get_absolute_url()).content.decode() + \
        viewer.get(reverse("dataproducts:products", args=[target.pk])).content.decode() + \
        viewer.get("/api/dataproducts/").content.decode()
    for secret in (object_storage.endpoint, object_storage.name, ACCESS_KEY, SECRET_KEY):
        assert secret not in page

    # Shared to another TOM, which keeps it in its own bucket: the file is read from ours through the store.
    second, second_bucket = second_tom_on_s3
    settings.DATA_SHARING = {"second": {"DISPLAY_NAME": "Second", "BASE_URL": second.url, "USERNAME": "peer",
                                        "PASSWORD": PEER_PASSWORD}}
    outcome = share_target(users["editor"], target, "second", product_ids=[photometry.pk, spectra.pk])
    assert outcome.record.outcome == "sent", outcome.record.message
    remote = second.get("api/dataproducts/")["results"]
    assert sorted(p["filename"] for p in remote) == ["lc.csv", "spec.fits"]
    for product in remote:
        body = second.api.get(second.url + f"api/dataproducts/{product['id']}/download/", timeout=30).content
        assert body == (spectrum if product["filename"] == "spec.fits" else PHOTOMETRY_CSV.encode())
    assert second.get("api/reduceddatums/")["count"] == 4  # processed there too, from its own bucket
    assert [key.rsplit("/", 1)[1] for key in second_bucket.keys()] == ["lc.csv", "spec.fits"]

    # Deleted: the rows at once, the object once the transaction has committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(reverse("dataproducts:delete", args=[photometry.pk]), headers=HTMX)
    assert response.status_code == 200 and "Deleted lc.csv and its 3 data points." in response.content.decode()
    assert object_storage.keys() == ["sn-2024abc/spec.fits"]
    assert not ReducedDatum.objects.filter(data_product_id=photometry.pk).exists()
    assert viewer.get(reverse("dataproducts:download", args=[photometry.pk])).status_code == 404


def test_files_of_the_same_name_for_one_target_are_both_kept(object_storage, target):
    """S3 backends overwrite an existing key by default: a second "lc.csv" would replace the first product's file."""
    first = upload_data_product(target, SimpleUploadedFile("lc.csv", PHOTOMETRY_CSV.encode()), "photometry")
    other = PHOTOMETRY_CSV.replace("18.50", "18.60").encode()
    second = upload_data_product(target, SimpleUploadedFile("lc.csv", other), "photometry")
    assert first.data_product.data.name != second.data_product.data.name
    assert object_storage.read(first.data_product.data.name) == PHOTOMETRY_CSV.encode()
    assert object_storage.read(second.data_product.data.name) == other


def test_a_refused_file_leaves_nothing_in_the_store(object_storage, target, client_for, settings):
    """Processing reads a local copy of the stored object; a refusal removes the object (and the copy)."""
    big = Table({"mjd": np.full(11, 60400.0), "mag": np.full(11, 18.0), "filter": ["g"] * 11})
    buffer = io.StringIO()
    big.write(buffer, format="ascii.csv")
    settings.DATA_PRODUCT_MAX_TABLE_ROWS = 10
    response = upload_page(client_for("editor"), target, "lc.csv", buffer.getvalue().encode(), "photometry")
    assert response.status_code == 400 and "DATA_PRODUCT_MAX_TABLE_ROWS" in response.content.decode()
    assert object_storage.keys() == [] and not DataProduct.objects.exists()


def test_the_orphan_sweep_lists_and_deletes_through_the_store(object_storage, data_product):
    object_storage.client.put_object(Bucket=object_storage.name, Key="sn-2024abc/killed-upload.csv", Body=b"x")
    assert sweep_orphaned_files(timedelta(hours=1)) == []  # still within the grace period
    assert sweep_orphaned_files(timedelta(0), dry_run=True) == ["sn-2024abc/killed-upload.csv"]
    call_command("sweep_orphaned_files", "--older-than", "0", stdout=io.StringIO())
    assert object_storage.keys() == [data_product.data.name]


def test_a_store_that_does_not_answer_is_a_503_in_words(object_storage, data_product, client_for, target, users,
                                                        settings, monkeypatch, caplog, second_tom_on_s3,
                                                        django_capture_on_commit_callbacks):
    """Nothing is kept, nothing is a 500, and neither the answer nor the log shows the credentials."""
    monkeypatch.setenv("AWS_S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore's retries would only make the test slower
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage(object_storage.name)}
    editor, viewer = client_for("editor"), client_for("viewer")
    words = "The file store did not answer while"
    answers = [upload_page(editor, target, "lc2.csv", PHOTOMETRY_CSV.encode() + b"60402.1,g,18.7,0.05,,LCO\n",
                           "photometry"),
               editor.post("/api/dataproducts/", {"file": SimpleUploadedFile("lc2.csv", b"mjd,mag\n60400,18\n"),
                                                  "target": str(target.pk), "data_product_type": "photometry"}),
               viewer.get(reverse("dataproducts:download", args=[data_product.pk])),
               viewer.get(f"/api/dataproducts/{data_product.pk}/download/")]
    for response in answers:
        assert response.status_code == 503 and words in response.content.decode()
    assert answers[1].json()["detail"].startswith(words) and answers[3].json()["detail"].startswith(words)
    assert DataProduct.objects.get() == data_product and ReducedDatum.objects.count() == 3
    second, _ = second_tom_on_s3
    settings.DATA_SHARING = {"second": {"BASE_URL": second.url, "USERNAME": "peer", "PASSWORD": PEER_PASSWORD}}
    outcome = share_target(users["editor"], target, "second", product_ids=[data_product.pk])
    assert outcome.record.outcome == "failed" and not outcome.permanent
    assert outcome.record.message == f"lightcurve.csv: {words} reading the file; try again later."
    with django_capture_on_commit_callbacks(execute=True):  # deleted here; the object is left to the sweep
        deleted = editor.post(reverse("dataproducts:delete", args=[data_product.pk]), headers=HTMX)
    assert deleted.status_code == 200 and not DataProduct.objects.exists()
    assert object_storage.keys() == [data_product.data.name] and "sweep_orphaned_files will" in caplog.text
    shown = "".join(r.content.decode() for r in answers) + caplog.text
    assert ACCESS_KEY not in shown and SECRET_KEY not in shown
