"""What the Share tab selects, previews and downloads: the same rows, by filter or by tick, never another target's."""
from __future__ import annotations

import csv
import re
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
    assert "3 datums: 3 photometry." in body
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


def _matching(client, target, **filter_values) -> int:
    response = client.get(reverse("sharing:photometry", args=[target.pk]), filter_values, headers=HTMX)
    assert response.status_code == 200, response.content.decode()
    return response.content.decode().count('name="datums"')


@pytest.mark.django_db
def test_the_filter_takes_iso_dates_and_times_and_mjd(client_for, light_curve):
    """Points at 01:00 UTC each day of 2024-03-01..10, in g and r. MJD 60372 is 2024-03-03T00:00."""
    client = client_for("editor")
    assert _matching(client, light_curve, since="2024-03-03", until="2024-03-04") == 4  # whole days
    assert _matching(client, light_curve, since="2024-03-03T01:00", until="2024-03-03T01:00") == 2  # both ends kept
    assert _matching(client, light_curve, since="2024-03-03T01:00:01Z") == 14
    assert _matching(client, light_curve, since="2024-03-03T02:00+01:00", until="2024-03-03 01:00") == 2
    assert _matching(client, light_curve, since="60372", until="60373.5") == 4  # MJD
    assert _matching(client, light_curve, since="2460372.5", until="60372.05") == 2  # a JD and an MJD
    assert _matching(client, light_curve, until=" 2024-03-01 ") == 2


@pytest.mark.django_db
@pytest.mark.parametrize("values,words", [
    ({"since": "soon"}, "From: &#x27;soon&#x27; is neither a date nor an MJD (of the years 1800 to 2200); give a date"),
    ({"until": "2024-02-30"}, "Until (inclusive): &#x27;2024-02-30&#x27; is neither a date nor an MJD"),
    ({"until": "99999999"}, "Until (inclusive): &#x27;99999999&#x27; is neither a date nor an MJD"),
    ({"since": "2024-03-09", "until": "60372"}, "Until (inclusive): Until is before From."),
])
def test_a_filter_that_cannot_be_read_names_its_field_and_lists_nothing(client_for, light_curve, values, words):
    response = client_for("editor").get(reverse("sharing:photometry", args=[light_curve.pk]), values, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 400 and words in html and 'id="photometry-filter-errors"' in html
    assert 'name="datums"' not in html and "No photometry matches." in html


@pytest.mark.django_db
def test_the_tab_says_how_to_write_dates_and_that_magnitudes_are_mag(client_for, light_curve, settings):
    settings.DATA_SHARING = PEER
    save_datums(light_curve, [parse_datum({"data_type": "photometry", "timestamp": "2024-03-11T01:00:00",
                                           "value": {"magnitude": 0.5, "unit": "mJy", "filter": "g"}})],
                origin="manual")
    html = client_for("editor").get(reverse("sharing:share", args=[light_curve.pk])).content.decode()
    assert html.count("UTC: a date (2026-01-05), a date and time (2026-01-05T03:00) or an MJD (61045.5).") == 2
    assert 'type="date"' not in html  # a date picker would refuse an MJD
    units = re.findall(r"</td><td>([^<]*)</td>\s*<td>LCO-1m</td>", html)
    assert units[:20] == ["mag"] * 20 and "<td>mJy</td>" in html
    assert ReducedDatum.objects.filter(target=light_curve, data_type="photometry", unit="").count() == 20  # shown only
