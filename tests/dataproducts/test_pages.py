"""The data parts of the target page: upload, products, photometry table and form, plots, exports."""
from __future__ import annotations

import json

import pytest
from astropy.table import Table
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dataproducts.models import DataProduct, ReducedDatum
from tests.conftest import PHOTOMETRY_CSV

HTMX = {"HX-Request": "true"}


def test_target_page_loads_the_data_sections_and_plotly_from_static(client_for, target):
    page = client_for("viewer").get(target.get_absolute_url()).content.decode()
    for name in ("lightcurve", "spectra", "photometry", "products"):
        assert f'id="section-{name}"' in page
    assert "/static/plotly/plotly.min.js" in page
    response = client_for("viewer").get("/static/plotly/plotly.min.js")
    assert response.status_code == 200
    assert b"plotly" in b"".join(response.streaming_content)[:2000].lower()


def test_upload_through_the_page_reports_what_was_stored(client_for, target):
    client = client_for("editor")
    url = reverse("dataproducts:upload", args=[target.pk])
    upload = SimpleUploadedFile("lc.csv", PHOTOMETRY_CSV.encode())
    response = client.post(url, {"file": upload, "data_product_type": "photometry"}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "Stored lc.csv: 3 new data points." in body
    assert "<html" not in body and "lc.csv" in body
    again = client.post(url, {"file": SimpleUploadedFile("lc.csv", PHOTOMETRY_CSV.encode()),
                              "data_product_type": "photometry"}, headers=HTMX)
    assert "was uploaded before" in again.content.decode() and ReducedDatum.objects.count() == 3


def test_a_bad_upload_is_explained_and_keeps_nothing(client_for, target):
    response = client_for("editor").post(
        reverse("dataproducts:upload", args=[target.pk]),
        {"file": SimpleUploadedFile("lc.csv", b"mjd,filter,mag\n60400,g,oops\n"), "data_product_type": "photometry"},
        headers=HTMX,
    )
    assert response.status_code == 400
    assert "row 1, column &#x27;mag&#x27;: &#x27;oops&#x27; is not a number" in response.content.decode()
    assert not DataProduct.objects.exists()
    response = client_for("editor").post(reverse("dataproducts:upload", args=[target.pk]),
                                         {"data_product_type": "photometry"}, headers=HTMX)
    assert response.status_code == 400 and "File: This field is required." in response.content.decode()


def test_download_returns_the_file(client_for, data_product):
    response = client_for("viewer").get(reverse("dataproducts:download", args=[data_product.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).decode() == PHOTOMETRY_CSV
    assert 'filename="lightcurve.csv"' in response["Content-Disposition"]


def test_deleting_a_product_removes_its_datums_and_its_file(client_for, data_product, target,
                                                          django_capture_on_commit_callbacks):
    path = data_product.data.path
    other = ReducedDatum.objects.count()
    assert other == 3
    client = client_for("editor")
    assert "3 data points" in client.get(reverse("dataproducts:delete", args=[data_product.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("dataproducts:delete", args=[data_product.pk]), headers=HTMX)
    assert response.status_code == 200 and "Deleted lightcurve.csv and its 3 data points." in response.content.decode()
    assert not ReducedDatum.objects.exists()
    import os

    assert not os.path.exists(path)


def test_photometry_table_is_paginated(client_for, data_product, settings):
    settings.PHOTOMETRY_PAGE_SIZE = 2
    client = client_for("viewer")
    first = client.get(reverse("dataproducts:photometry", args=[data_product.target.pk]))
    assert [d.bandpass for d in first.context["page"].objects] == ["g", "r"]
    assert "&gt; 20.1" in first.content.decode()  # the limit, newest first
    second = client.get(reverse("dataproducts:photometry", args=[data_product.target.pk]), {"page": 2})
    assert [d.brightness for d in second.context["page"].objects] == [18.5]
    assert "Add a point by hand" not in first.content.decode()  # a viewer may not add


def test_add_a_point_by_hand(client_for, target, users):
    client = client_for("editor")
    url = reverse("dataproducts:add-photometry", args=[target.pk])
    data = {"time": "2460400.75", "bandpass": "V", "brightness": "14.2", "brightness_error": "0.03", "unit": "AB mag"}
    response = client.post(url, data, headers=HTMX)
    assert "Added the point." in response.content.decode()
    datum = ReducedDatum.objects.get()
    assert (datum.brightness, datum.bandpass, datum.ingest.origin, datum.ingest.user) == (14.2, "V", "manual", users["editor"])
    assert datum.timestamp.isoformat() == "2024-03-31T06:00:00+00:00"
    assert "already there" in client.post(url, data, headers=HTMX).content.decode()
    assert ReducedDatum.objects.count() == 1
    limit = client.post(url, {"time": "2024-04-01T00:00:00", "bandpass": "V", "limit": "19.5"}, headers=HTMX)
    assert limit.status_code == 200 and ReducedDatum.objects.filter(limit=19.5, brightness=None).exists()


@pytest.mark.parametrize("data,message", [
    ({"time": "soon", "bandpass": "V", "brightness": "14"}, "Give MJD, JD or an ISO 8601"),
    ({"time": "12", "bandpass": "V", "brightness": "14"}, "looks like neither MJD nor JD"),
    ({"time": "60000", "bandpass": "V"}, "Give a magnitude, or a limit"),
    ({"time": "60000", "bandpass": "V", "brightness": "nan"}, "Enter a number"),
    ({"time": "60000", "bandpass": "", "brightness": "14"}, "This field is required"),
])
def test_bad_manual_points_are_explained(client_for, target, data, message):
    response = client_for("editor").post(reverse("dataproducts:add-photometry", args=[target.pk]), data, headers=HTMX)
    assert response.status_code == 400 and message in response.content.decode()
    assert not ReducedDatum.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "ecsv"])
def test_exports_read_back_with_astropy(client_for, data_product, fmt):
    response = client_for("viewer").get(reverse("dataproducts:export-photometry", args=[data_product.target.pk, fmt]))
    text = b"".join(response.streaming_content).decode()
    table = Table.read(text, format="ascii.ecsv" if fmt == "ecsv" else "ascii.csv")
    assert len(table) == 3 and list(table["bandpass"]) == ["g", "r", "g"]
    assert table["mjd"][0] == pytest.approx(60400.10)
    if fmt == "ecsv":
        assert table["limit"].mask.tolist() == [True, True, False] and table["brightness"].dtype.kind == "f"
    assert client_for("viewer").get(reverse("dataproducts:export-photometry", args=[data_product.target.pk, "xml"])).status_code == 404


def figure_of(response):
    html = response.content.decode()
    start = html.index('type="application/json"')
    payload = html[html.index(">", start) + 1: html.index("</script>", start)]
    return json.loads(payload)


def test_light_curve_payload(client_for, data_product, settings):
    figure = figure_of(client_for("viewer").get(reverse("dataproducts:lightcurve", args=[data_product.target.pk])))
    traces = {t["name"]: t for t in figure["data"]}
    assert set(traces) == {"g", "r", "g limit"}
    assert traces["g limit"]["marker"]["symbol"] == "triangle-down"
    assert all(t["type"] == "scatter" for t in figure["data"])
    assert traces["g"]["marker"]["color"] != traces["r"]["marker"]["color"]
    assert traces["g"]["error_y"]["visible"] is True
    assert figure["layout"]["yaxis"]["autorange"] == "reversed"
    assert "2024-03-31" in " ".join(figure["layout"]["xaxis"]["ticktext"])
    assert "bdata" in json.dumps(traces["g"]["x"])  # typed arrays, not long JSON lists
    settings.LIGHT_CURVE_WEBGL_THRESHOLD = 2
    figure = figure_of(client_for("viewer").get(reverse("dataproducts:lightcurve", args=[data_product.target.pk])))
    assert {t["type"] for t in figure["data"]} == {"scattergl"}


def test_plot_text_cannot_break_out_of_the_script(client_for, target):
    from dataproducts.datums import parse_datum
    from dataproducts.services import save_datums

    save_datums(target, [parse_datum({"data_type": "photometry", "timestamp": "2024-01-01T00:00:00",
                                      "value": {"magnitude": 18, "filter": "</script><b>x"}})], origin="api")
    html = client_for("viewer").get(reverse("dataproducts:lightcurve", args=[target.pk])).content.decode()
    # escaped twice: for the <script> element, and for plotly's HTML dialect (it shows "</script><b>x" as text)
    assert "</script><b>" not in html and figure_of_text(html)["data"][0]["name"] == "&lt;/script&gt;&lt;b&gt;x"


def figure_of_text(html):
    start = html.index('type="application/json"')
    return json.loads(html[html.index(">", start) + 1: html.index("</script>", start)])


def test_spectra_overlaid_and_normalised(client_for, target):
    from dataproducts.datums import parse_datum
    from dataproducts.services import save_datums

    for day, scale in ((1, 1.0), (2, 10.0)):
        save_datums(target, [parse_datum({"data_type": "spectroscopy", "timestamp": f"2024-01-0{day}T00:00:00",
                                          "value": {"flux": [scale, 2 * scale, 3 * scale], "wavelength": [500, 501, 502],
                                                    "wavelength_units": "nm", "flux_units": "mJy"}})], origin="api")
    client = client_for("viewer")
    url = reverse("dataproducts:spectra", args=[target.pk])
    raw = figure_of(client.get(url))
    assert len(raw["data"]) == 2 and raw["layout"]["xaxis"]["title"]["text"] == "Wavelength (nm)"
    normalised = client.get(url, {"normalise": "1"})
    assert "Normalised flux" in json.dumps(figure_of(normalised)["layout"])


def test_empty_plots_say_so(client_for, target):
    assert "No photometry yet." in client_for("viewer").get(reverse("dataproducts:lightcurve", args=[target.pk])).content.decode()
    assert "No spectra yet." in client_for("viewer").get(reverse("dataproducts:spectra", args=[target.pk])).content.decode()
