"""A TOM Toolkit processor, end to end: a file uploaded through the page, its datums stored once, and a continuous
share to a second TOM of ours (a gunicorn server, over HTTP) receives them once (issue 13 item 3).

``BulkCreatingProcessor`` writes its rows itself and then runs continuous-sharing.rst's last block word for word;
``LightCurveProcessor`` returns tuples. Deliveries run in this process right after the upload commits.
"""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataproducts.models import ReducedDatum
from sharing.continuous import create_persistent_share
from sharing.models import Delivery, ShareRecord
from targets.services import create_target
from tests.conftest import sidereal

pytestmark = pytest.mark.django_db(transaction=True)

PROCESSORS = {"bulk": "tests.compat.toolkit_code.BulkCreatingProcessor",
              "tuples": "tests.compat.toolkit_code.LightCurveProcessor"}


def remote_datums(second_tom, name: str) -> int:
    found = second_tom.get("api/targets/", name_fuzzy=name)["results"]
    return second_tom.get("api/reduceddatums/", target__id=found[0]["id"], limit=1)["count"] if found else 0


@pytest.mark.parametrize("kind", PROCESSORS)
def test_an_upload_through_the_page_reaches_the_continuous_share_once(immediate, settings, to_second, sharer,
                                                                       client_for, kind):
    settings.DATA_PROCESSORS = {"photometry": PROCESSORS[kind]}
    target = create_target(sharer, sidereal(f"AT 2026tk{kind}", 30.0, 5.0))  # its creator may share it
    share = create_persistent_share(sharer, target, "second", share_existing_data=True)
    assert remote_datums(to_second, target.name) == 0  # the target is there, without data

    text = "mjd,filter,magnitude,error\n" + "".join(f"{60500 + i / 100},g,{17 + i / 100},0.05\n" for i in range(25))
    response = client_for("editor").post(reverse("dataproducts:upload", args=[target.pk]), {
        "file": SimpleUploadedFile("night.csv", text.encode(), "text/csv"), "data_product_type": "photometry"},
        HTTP_HX_REQUEST="true")
    assert "25 new data point(s)" in response.content.decode()
    assert ReducedDatum.objects.filter(target=target).count() == 25

    deliveries = Delivery.objects.filter(share=share).order_by("id")
    assert [(d.existing, bool(d.ingest_id), d.datum_ids, d.status) for d in deliveries] == [
        (True, False, [], "sent"), (False, True, [], "sent")]  # the data product's datums: queued once
    assert remote_datums(to_second, target.name) == 25
    record = ShareRecord.objects.filter(target=target, via="continuous").order_by("id").last()
    assert (record.created_count, record.existing_count, record.failed_count) == (25, 0, 0)
