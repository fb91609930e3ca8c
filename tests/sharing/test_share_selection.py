"""What the Share tab selects, previews and downloads: the same rows, by filter or by tick, never another target's."""
from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from dataproducts.datums import parse_datum
from dataproducts.models import ReducedDatum
from dataproducts.services import save_datums
from sharing.models import ShareRecord
from targets.services import create_target
from tests.conftest import sidereal

HTMX = {"HX-Request": "true"}
PEER = {"peer": {"DISPLAY_NAME": "Peer", "BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u", "PASSWORD": "p"}}


@pytest.fixture
def light_curve(target):
    rows = [{"data_type": "photometry", "timestamp": f"2024-03-{day:02d}T01:00:00",
             "value": {"magnitude": 18 + day / 10, "error": 0.1, "filter": band, "telescope": "LCO-1m"}}
            for day in range(1, 11) for band in ("g", "r")]
    rows.append({"data_type": "spectroscopy", "timestamp": "2024-03-05T02:00:00",
                 "value": {"flux": [1.0, 2.0], "wavelength": [500.0, 501.0], "flux_units": "mJy"}})
    save_datums(target, [parse_datum(r) for r in rows], origin="manual")
    return target


def _post(client, target, name, **data):
    return client.post(reverse(f"sharing:{name}", args=[target.pk]), {"destination": "peer", **data}, headers=HTMX)


@pytest.mark.django_db
def test_the_tab_lists_photometry_to_tick_and_spectra_preselected(client_for, light_curve, settings):
    settings.DATA_SHARING = PEER
    page = client_for("editor").get(reverse("sharing:share", args=[light_curve.pk])).content.decode()
    assert page.count('name="datums"') == 20 and "20 points match the filter." in page
    spectrum = ReducedDatum.objects.get(target=light_curve, data_type="spectroscopy")
    form = client_for("editor").get(reverse("sharing:share", args=[light_curve.pk])).context["form"]
    assert form["spectra"].value() == [spectrum.pk]
    table = client_for("editor").get(reverse("sharing:photometry", args=[light_curve.pk]),
                                     {"bandpass": "g", "since": "2024-03-03", "until": "2024-03-04"}).content.decode()
    assert table.count('name="datums"') == 2 and "2 points match the filter." in table


@pytest.mark.django_db
def test_preview_shows_exactly_the_filtered_selection_and_contacts_nobody(client_for, light_curve, settings):
    settings.DATA_SHARING = PEER  # port 9: nothing listens; a preview must not try
    response = _post(client_for("editor"), light_curve, "preview", scope="matching", bandpass=["r"],
                     since="2024-03-08", lists=[])
    body = response.content.decode()
    assert response.status_code == 200
    assert "3 datum(s): 3 photometry." in body
    assert "&quot;filter&quot;: &quot;r&quot;" in body and "&quot;filter&quot;: &quot;g&quot;" not in body
    assert "Imported From Test TOM" in body and "&quot;shared_from&quot;: &quot;Test TOM&quot;" in body
    assert ShareRecord.objects.count() == 0


@pytest.mark.django_db
def test_ticked_rows_and_spectra_are_downloaded_as_csv(client_for, light_curve, users):
    g_rows = list(ReducedDatum.objects.filter(target=light_curve, bandpass="g").order_by("timestamp")
                  .values_list("pk", flat=True)[:2])
    spectrum = ReducedDatum.objects.get(target=light_curve, data_type="spectroscopy").pk
    other = create_target(users["superuser"], sidereal("Elsewhere"))
    save_datums(other, [parse_datum({"data_type": "photometry", "timestamp": "2024-01-01T00:00:00",
                                     "value": {"magnitude": 15, "filter": "V"}})], origin="manual")
    foreign = ReducedDatum.objects.get(target=other).pk
    response = client_for("editor").post(reverse("sharing:download", args=[light_curve.pk]),
                                         {"scope": "ticked", "datums": [*g_rows, foreign], "spectra": [spectrum]})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv"
    assert 'filename="sn-2024abc-selection.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["bandpass"], r["data_type"]) for r in rows] == [("g", "photometry"), ("g", "photometry"),
                                                                ("", "spectroscopy")]
    assert json.loads(rows[2]["value"])["flux"] == [1.0, 2.0]
    assert rows[0]["value"] == ""  # the foreign datum (another target's) was silently ignored


@pytest.mark.django_db
def test_bad_choices_are_named_and_nothing_is_sent(client_for, light_curve, settings):
    settings.DATA_SHARING = PEER
    client = client_for("editor")
    response = _post(client, light_curve, "send", scope="matching", since="2024-03-09", until="2024-03-01")
    assert response.status_code == 400 and "Until is before From." in response.content.decode()
    response = _post(client, light_curve, "send", scope="everything")
    assert response.status_code == 400 and "everything is not one of the available choices" in response.content.decode()
    assert ShareRecord.objects.count() == 0
    assert client_for("viewer").post(reverse("sharing:download", args=[light_curve.pk]), {}).status_code == 403


@pytest.mark.django_db
def test_a_data_product_share_button_preselects_it(client_for, data_product, settings):
    settings.DATA_SHARING = PEER
    client = client_for("editor")
    products = client.get(reverse("dataproducts:products", args=[data_product.target.pk]), headers=HTMX)
    link = reverse("sharing:share", args=[data_product.target.pk]) + f"?product={data_product.pk}"
    assert link in products.content.decode()
    form = client.get(link).context["form"]
    assert form["products"].value() == [data_product.pk]
    assert not client.get(reverse("sharing:share", args=[data_product.target.pk])).context["form"]["products"].value()
