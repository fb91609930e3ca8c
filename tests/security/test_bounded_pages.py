"""Bounded pages and bounded text (issue 11, item 10).

20,000 spectra from one bulk POST (through the real API, as a peer sends them) must not make the spectra
section or the Share page grow with them; sharing "all N" still sends every one. Text users and peers send
is capped, and the refusal names the field.
"""
from __future__ import annotations

import base64
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dataproducts.models import DataProduct, ReducedDatum
from targets.models import Target
from targets.services import MAX_ALIASES, MAX_EXTRAS
from tests.conftest import PHOTOMETRY_CSV

SPECTRA = 20_000
HTMX = {"HX-Request": "true"}
PEER_DESTINATION = {"peer": {"DISPLAY_NAME": "Peer", "BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u",
                             "PASSWORD": "p"}}  # never contacted: only previews and page renders here


def peer(username: str = "root", password: str = "pw-root") -> Client:
    return Client(headers={"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()})


def bulk_spectra(target, count: int) -> None:
    """One POST to the bulk endpoint, as a peer TOM of ours sends them."""
    datums = [{"data_type": "spectroscopy", "timestamp": f"2024-01-01T00:00:00.{i:06d}",
               "value": {"flux": [1.0, 2.0 + i, 3.0], "wavelength": [500.0, 501.0, 502.0], "telescope": "T1"}}
              for i in range(count)]
    response = peer().post("/api/reduceddatums/bulk/", {"target": target.pk, "datums": datums},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["created"] == count, response.content[:500]


@pytest.fixture
def many_spectra(target):
    """The target with 20,000 spectra stored by one bulk POST."""
    bulk_spectra(target, SPECTRA)
    return target


def section(client, target, **params):
    return client.get(reverse("dataproducts:spectra", args=[target.pk]), params, headers=HTMX)


def test_the_spectra_section_plots_the_latest_few_and_pages_to_the_rest(many_spectra, client_for,
                                                                          django_assert_max_num_queries):
    client = client_for("viewer")
    with django_assert_max_num_queries(12):
        first = section(client, many_spectra)
    body = " ".join(first.content.decode().split())
    assert first.status_code == 200 and len(first.content) < 100_000, len(first.content)
    assert 'data-traces="20"' in body
    assert "The latest 20 of 20000 spectra" in body and 'id="spectra-older"' in body
    assert "2024-01-01 00:00 T1" in body  # legend labels
    with django_assert_max_num_queries(12):
        deep = section(client, many_spectra, page=1000, normalise=1)  # the oldest 20
    body = " ".join(deep.content.decode().split())
    assert 'data-traces="20"' in body and 'id="spectra-older"' not in body and 'id="spectra-newer"' in body
    assert "Spectra 19981&ndash;20000 of 20000 spectra" in body and "Normalised flux" in body


def test_the_share_page_lists_a_few_spectra_and_offers_all_of_them(many_spectra, settings, client_for,
                                                                   django_assert_max_num_queries):
    settings.DATA_SHARING = PEER_DESTINATION
    client = client_for("editor")
    with django_assert_max_num_queries(25):
        response = client.get(reverse("sharing:share", args=[many_spectra.pk]))
    assert response.status_code == 200 and len(response.content) < 300_000, len(response.content)
    form = response.context["form"]
    assert len(form.fields["spectra"].choices) == settings.SHARE_CHOICES_SHOWN
    assert form["all_spectra"].value() is True
    assert "All 20,000 spectra and other data, not only the 50 latest listed" in response.content.decode()
    assert len(re.findall(r'name="spectra"', response.content.decode())) == settings.SHARE_CHOICES_SHOWN

    preview = client.post(reverse("sharing:preview", args=[many_spectra.pk]),
                          {"destination": "peer", "scope": "none", "all_spectra": "on"}, headers=HTMX)
    assert "20000 datums: 20000 spectroscopy." in preview.content.decode()
    assert len(preview.content) < 100_000
    ticked = client.post(reverse("sharing:preview", args=[many_spectra.pk]),
                         {"destination": "peer", "scope": "none", "spectra": [d.pk for d in form.spectra_rows[:2]]},
                         headers=HTMX)
    assert "2 datums: 2 spectroscopy." in ticked.content.decode()
    response = client.post(reverse("sharing:download", args=[many_spectra.pk]), {"scope": "none", "all_spectra": "on"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == SPECTRA + 1  # the download, like the share, takes "all" to mean all


def test_twenty_thousand_filters_and_sources_keep_the_light_curve_and_share_page_small(
        target, client_for, settings, django_assert_max_num_queries):
    """Each point its own bandpass and source: one trace each made a 7.7 MB light curve (over a minute to
    build) and a 2.1 MB Share page of filter choices."""
    settings.DATA_SHARING = PEER_DESTINATION
    datums = [{"data_type": "photometry", "timestamp": f"2024-01-01T00:00:00.{i:06d}",
               "value": {"magnitude": 18 + i / 1e5, "filter": f"<b>band{i}</b>" if i % 2 else "g",
                         "source_name": f"source {i}"}} for i in range(SPECTRA)]
    response = peer().post("/api/reduceddatums/bulk/", {"target": target.pk, "datums": datums},
                           content_type="application/json")
    assert response.json()["created"] == SPECTRA
    client = client_for("editor")
    with django_assert_max_num_queries(12):
        light_curve = client.get(reverse("dataproducts:lightcurve", args=[target.pk]), headers=HTMX)
    assert len(light_curve.content) < 500_000, len(light_curve.content)
    figure = json.loads(re.search(r'type="application/json"[^>]*>(.*?)</script>', light_curve.content.decode()).group(1))
    names = [trace["name"] for trace in figure["data"]]
    # "g" (half the points) and 28 others keep their own trace (escaped, like all text from data)
    assert len(names) == 30 and names[-1] == "9,972 points in other filters" and "g" in names
    assert all(name.startswith("&lt;b&gt;band") for name in names[:-1] if name != "g")
    with django_assert_max_num_queries(25):
        share = client.get(reverse("sharing:share", args=[target.pk]))
    assert len(share.content) < 300_000, len(share.content)
    form = share.context["form"]
    assert len(form.fields["bandpass"].choices) == len(form.fields["source"].choices) == 200
    hidden_source = client.post(reverse("sharing:preview", args=[target.pk]),  # one not offered still filters
                                {"destination": "peer", "scope": "matching", "source": "source 19999"}, headers=HTMX)
    assert "1 datum: 1 photometry." in hidden_source.content.decode()


# Sharing "all" for real: a second TOM of ours over HTTP (small numbers, the same code path)

@pytest.fixture(scope="module")
def second_tom(tmp_path_factory):
    from tests.servers import start_our_tom

    server = start_our_tom(tmp_path_factory.mktemp("bounded-second-tom"), "Second TOM", "bounded-peer-pw-7")
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_sharing_all_spectra_and_files_sends_the_unlisted_ones_too(settings, second_tom, client_for, target):
    settings.SHARE_CHOICES_SHOWN = 3
    settings.DATA_SHARING = {"second": {"DISPLAY_NAME": "Second", "BASE_URL": second_tom.url, "USERNAME": "peer",
                                        "PASSWORD": second_tom.password}}
    bulk_spectra(target, 7)
    from dataproducts.services import upload_data_product
    from django.contrib.auth.models import User

    root = User.objects.get(username="root")
    for i in range(5):
        csv = PHOTOMETRY_CSV.replace("18.50", f"18.5{i}")
        upload_data_product(target, SimpleUploadedFile(f"lc{i}.csv", csv.encode()), "photometry", user=root)
    client = client_for("editor")
    form = client.get(reverse("sharing:share", args=[target.pk])).context["form"]
    assert len(form.fields["spectra"].choices) == 3 and len(form.fields["products"].choices) == 3
    assert form["all_products"].value() is False
    response = client.post(reverse("sharing:send", args=[target.pk]),
                           {"destination": "second", "scope": "none", "all_spectra": "on", "all_products": "on",
                            "spectra": [form.spectra_rows[0].pk]}, headers=HTMX)
    assert response.status_code == 200, response.content.decode()[:2000]
    remote = second_tom.get("api/targets/", name_fuzzy="SN 2024abc")["results"][0]
    datums = second_tom.get("api/reduceddatums/", target__id=remote["id"], data_type="spectroscopy")
    assert datums["count"] == 7
    assert second_tom.get("api/dataproducts/", target__id=remote["id"])["count"] == 5


# Bounded text: what users and peers send is capped, and the refusal names the field

@pytest.mark.django_db
@pytest.mark.parametrize("size", [10_001, 2_000_000])
def test_a_peer_cannot_store_an_overlong_extra_value(users, size):
    body = {"name": "SN 2025long", "type": "SIDEREAL", "ra": 1.0, "dec": 1.0,
            "targetextra_set": [{"key": "notes", "value": "x" * size}]}
    response = peer().post("/api/targets/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"extras": [f"The value of extra field 'notes' is {size:,} characters long; at most "
                                          "10,000 are kept (TEXT_VALUE_MAX_LENGTH)."]}
    assert not Target.objects.filter(name="SN 2025long").exists()


@pytest.mark.django_db
def test_a_page_user_cannot_store_an_overlong_extra_value(client_for):
    response = client_for("editor").post(reverse("targets:create"), {
        "name": "SN 2025long", "type": "SIDEREAL", "ra": "1", "dec": "1", "extras": "notes = " + "x" * 10_001})
    assert response.status_code == 400
    assert "The value of extra field &#x27;notes&#x27; is 10,001 characters long" in response.content.decode()
    assert response.context["form"].errors["extras"]
    assert not Target.objects.filter(name="SN 2025long").exists()


@pytest.mark.django_db
def test_a_csv_import_cannot_store_an_overlong_extra_value(client_for):
    csv = "name,ra,dec,notes\nSN 2025long,1,1," + "x" * 10_001 + "\n"
    response = client_for("editor").post(reverse("targets:import"),
                                         {"file": SimpleUploadedFile("t.csv", csv.encode(), "text/csv")})
    assert response.status_code == 400
    assert "Line 2 ('SN 2025long'): The value of extra field 'notes' is 10,001 characters long" in "\n".join(
        response.context["report"].errors)  # named with its line (issue 12 item 9)
    assert not Target.objects.filter(name="SN 2025long").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field,count", [("aliases", MAX_ALIASES + 1), ("aliases", 40_000),
                                         ("targetextra_set", MAX_EXTRAS + 1)])
def test_a_peer_cannot_send_a_target_with_endless_aliases_or_extras(users, field, count):
    items = ([{"name": f"alias {i}"} for i in range(count)] if field == "aliases"
             else [{"key": f"k{i}", "value": "v"} for i in range(count)])
    body = {"name": "SN 2025many", "type": "SIDEREAL", "ra": 1.0, "dec": 1.0, field: items}
    response = peer().post("/api/targets/", body, content_type="application/json")
    assert response.status_code == 400
    name = "aliases" if field == "aliases" else "extras"
    limit = MAX_ALIASES if field == "aliases" else MAX_EXTRAS
    assert response.json() == {name: [f"{count:,} {'aliases' if name == 'aliases' else 'extra fields'}; "
                                      f"a target may have at most {limit}."]}
    assert not Target.objects.filter(name="SN 2025many").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("field,value,message", [
    ("extra_data", "x" * 10_001, "is 10,001 characters long; at most 10,000 are accepted."),
    ("product_id", "p" * 256, "is 256 characters long; at most 255 are accepted."),
])
def test_a_peer_cannot_send_overlong_data_product_text(target, field, value, message):
    response = peer().post("/api/dataproducts/", {
        "file": SimpleUploadedFile("lc.csv", PHOTOMETRY_CSV.encode()), "target": str(target.pk),
        "data_product_type": "photometry", field: value})
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not DataProduct.objects.exists() and not ReducedDatum.objects.exists()


@pytest.mark.django_db
def test_a_hermes_message_text_is_capped(client_for, target, settings):
    settings.DATA_SHARING = PEER_DESTINATION
    response = client_for("editor").post(reverse("sharing:preview", args=[target.pk]),
                                         {"destination": "peer", "scope": "none", "message": "m" * 10_001},
                                         headers=HTMX)
    assert response.status_code == 400
    assert response.context["form"].errors["message"] == [
        "Ensure this value has at most 10000 characters (it has 10001)."]
