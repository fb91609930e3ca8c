"""Our TOM shares into a real TOM Toolkit 3.1.0 server over HTTP, checked through the TOM Toolkit's own API.

What its API does not show is read with its own ORM (``toolkit_server.shell_json``): 3.1.0's photometry
representation leaves ``limit`` out, and its target list API answers 500 on every call (a FieldError in its
queryset), so limits and list memberships are read there.
"""
from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dataproducts.datums import parse_datum
from dataproducts.services import save_datums, upload_data_product
from sharing.services import share_target
from tests.conftest import PHOTOMETRY_CSV, sidereal
from targets.services import create_target

pytestmark = [pytest.mark.interop, pytest.mark.django_db]

# A light curve both processors read: the TOM Toolkit's needs a "time" column (MJD).
TOOLKIT_CSV = "time,filter,magnitude,error\n60410.25,i,18.11,0.03\n60411.25,i,18.32,0.04\n"

LISTS_OF = """
import json
from tom_targets.models import TargetList
print("JSON " + json.dumps({tl.name: sorted(tl.targets.values_list("name", flat=True))
                            for tl in TargetList.objects.all()}))
"""

LIMITS_OF = """
import json
from tom_dataproducts.models import PhotometryReducedDatum
rows = PhotometryReducedDatum.objects.filter(target__name=%r, data_product=None).order_by("timestamp")
print("JSON " + json.dumps([[r.brightness, r.limit, r.bandpass, r.source_name] for r in rows]))
"""


@pytest.fixture
def to_toolkit(settings, toolkit_server):
    settings.DATA_SHARING = {"toolkit": {"DISPLAY_NAME": "Toolkit", "BASE_URL": toolkit_server.url,
                                         "USERNAME": toolkit_server.username, "PASSWORD": toolkit_server.password}}
    return "toolkit"


def remote_target(server, name: str) -> dict:
    results = server.get("api/targets/", name_fuzzy=name)["results"]
    assert len(results) == 1, results
    return results[0]


def everything_of(server, remote_id: int) -> tuple:
    datums = server.get("api/reduceddatums/", target__id=remote_id, limit=1000)
    products = server.get("api/dataproducts/", limit=1000)
    return (datums["count"], sorted(str(d) for d in datums["results"]), products["count"],
            server.get("api/targets/")["count"], server.shell_json(LISTS_OF))


@pytest.fixture
def observed(users, target):
    """The shared fixture target (two aliases, an extra) with photometry, two non-detections and a spectrum."""
    save_datums(target, [parse_datum(d) for d in (
        {"data_type": "photometry", "timestamp": "2024-03-01T01:00:00",
         "value": {"magnitude": 18.4, "error": 0.05, "filter": "r", "telescope": "LCO 1m"}},
        {"data_type": "photometry", "timestamp": "2024-03-02T01:00:00",
         "value": {"magnitude": 18.6, "error": 0.06, "filter": "r", "telescope": "LCO 1m"}},
        {"data_type": "photometry", "timestamp": "2024-03-03T01:00:00",
         "value": {"limit": 20.3, "filter": "r", "telescope": "LCO 1m"}},
        {"data_type": "photometry", "timestamp": "2024-03-04T01:00:00",
         "value": {"limit": 20.1, "filter": "g", "telescope": "LCO 1m"}},
        {"data_type": "spectroscopy", "timestamp": "2024-03-05T02:00:00",
         "value": {"flux": [1.5, 2.5, 3.5], "wavelength": [4000.0, 4001.0, 4002.0], "flux_units": "mJy",
                   "wavelength_units": "Angstrom", "telescope": "FTN"}},
    )], origin="manual")
    return target


def test_a_target_with_its_data_a_product_and_a_list_arrives_and_sharing_again_adds_nothing(
        to_toolkit, toolkit_server, users, observed):
    upload = SimpleUploadedFile("sn2024abc_i.csv", TOOLKIT_CSV.encode(), "text/csv")
    product = upload_data_product(observed, upload, "photometry", user=users["editor"],
                                  product_id="ours-sn2024abc-i").data_product

    outcome = share_target(users["editor"], observed, to_toolkit, data="all", lists=("Transients",),
                           product_ids=[product.pk])
    record = outcome.record
    assert record.outcome == "sent", record.message
    # The product goes first and the TOM Toolkit reads its 2 rows from the file; they are not sent again as
    # datums. New: the product and our 5 other datums.
    assert (record.created_count, record.existing_count, record.failed_count) == (6, 0, 0), record.message
    assert record.message.startswith("Created SN 2024abc in Toolkit.")

    remote = remote_target(toolkit_server, "ZTF24aaaaaaa")  # found by an alias alone
    assert remote["name"] == "SN 2024abc" and str(remote["id"]) == record.remote_id
    assert sorted(a["name"] for a in remote["aliases"]) == ["AT 2024abc", "ZTF24aaaaaaa"]
    assert {e["key"]: e["value"] for e in remote["targetextra_set"]} == {"redshift": "0.05"}
    assert (remote["ra"], remote["dec"], remote["shared_by"], remote["shared_from"]) == (
        150.0, 2.5, "editor", "Test TOM")

    datums = toolkit_server.get("api/reduceddatums/", target__id=remote["id"], limit=1000)["results"]
    photometry = [d for d in datums if d["data_type"] == "photometry"]
    assert sorted((d["timestamp"][:10], d["value"]["brightness"], d["value"]["bandpass"]) for d in photometry) == [
        ("2024-03-01", 18.4, "r"), ("2024-03-02", 18.6, "r"), ("2024-03-03", None, "r"), ("2024-03-04", None, "g"),
        ("2024-04-10", 18.11, "i"), ("2024-04-11", 18.32, "i")]
    # Ours keep our name; the TOM Toolkit's processor leaves the file's rows without one.
    assert {d["source_name"] for d in datums if d["timestamp"] < "2024-04"} == {"Test TOM"}
    (spectrum,) = [d["value"] for d in datums if d["data_type"] == "spectroscopy"]
    assert (spectrum["flux"], spectrum["wavelength"], spectrum["flux_unit"], spectrum["telescope"]) == (
        [1.5, 2.5, 3.5], [4000.0, 4001.0, 4002.0], "mJy", "FTN")
    # The limits arrived as limits (its API does not show them; its own ORM does).
    assert toolkit_server.shell_json(LIMITS_OF % "SN 2024abc") == [
        [18.4, None, "r", "Test TOM"], [18.6, None, "r", "Test TOM"], [None, 20.3, "r", "Test TOM"],
        [None, 20.1, "g", "Test TOM"]]

    (remote_product,) = [p for p in toolkit_server.get("api/dataproducts/")["results"]
                         if p["product_id"] == "ours-sn2024abc-i"]
    assert remote_product["target"] == remote["id"] and remote_product["data_product_type"] == "photometry"
    assert remote_product["data"].endswith("/sn2024abc_i.csv")
    from_file = toolkit_server.get("api/reduceddatums/", data_product__id=remote_product["id"])
    assert from_file["count"] == 2  # the TOM Toolkit ran its processor on the file

    lists = toolkit_server.shell_json(LISTS_OF)
    assert lists["Imported From Test TOM"] == lists["Transients"] == ["SN 2024abc"]

    before = everything_of(toolkit_server, remote["id"])
    again = share_target(users["editor"], observed, to_toolkit, data="all", lists=("Transients",),
                         product_ids=[product.pk])
    assert again.record.outcome == "sent", again.record.message
    assert (again.record.created_count, again.record.existing_count, again.record.failed_count) == (0, 6, 0)
    assert again.record.message.startswith("SN 2024abc was already in Toolkit; added it to")
    assert everything_of(toolkit_server, remote["id"]) == before


def test_a_target_the_toolkit_knows_by_an_alias_with_a_plus_is_found_and_added_to_our_lists(
        to_toolkit, toolkit_server, users):
    """The TOM Toolkit's name_fuzzy does not split a comma-joined list, and a raw '+' reads as a space: each name
    is looked up on its own, URL-encoded. Found: one PATCH with the lists, no second target."""
    created = toolkit_server.api.post(toolkit_server.url + "api/targets/", timeout=30, json={
        "name": "Gaia24+xyz", "type": "SIDEREAL", "ra": 45.5, "dec": -12.25, "aliases": [], "targetextra_set": [],
        "target_lists": []})
    assert created.status_code == 201, created.text
    ours = create_target(users["superuser"], sidereal("AT 2024plus", 45.5, -12.25, aliases=["Gaia24+xyz"]))
    count_before = toolkit_server.get("api/targets/")["count"]

    record = share_target(users["superuser"], ours, to_toolkit, lists=("Follow-up",)).record

    assert record.outcome == "sent", record.message
    assert record.remote_id == str(created.json()["id"])
    assert toolkit_server.get("api/targets/")["count"] == count_before
    lists = toolkit_server.shell_json(LISTS_OF)
    assert "Gaia24+xyz" in lists["Follow-up"] and "Gaia24+xyz" in lists["Imported From Test TOM"]


def test_a_longer_light_curve_goes_over_an_api_token_and_arrives_whole(to_toolkit, toolkit_server, users):
    """From TOKEN_FROM datums on, the sender trades the password for the account's API token once (a TOM Toolkit
    checks a Basic password with PBKDF2 on every request); every datum still arrives, once."""
    from sharing.clients.tom import TOKEN_FROM

    ours = create_target(users["superuser"], sidereal("SN 2024long", 210.25, 33.5))
    n = TOKEN_FROM + 5
    save_datums(ours, [parse_datum({"data_type": "photometry", "timestamp": f"2024-05-{1 + i // 24:02d}T{i % 24:02d}:00:00",
                                    "value": {"magnitude": 17 + i / 100, "error": 0.02, "filter": "V"}})
                       for i in range(n)], origin="manual")

    record = share_target(users["superuser"], ours, to_toolkit, data="photometry").record

    assert (record.outcome, record.created_count, record.failed_count) == ("sent", n, 0), record.message
    remote = remote_target(toolkit_server, "SN 2024long")
    datums = toolkit_server.get("api/reduceddatums/", target__id=remote["id"], limit=1000)
    assert sorted(d["value"]["brightness"] for d in datums["results"]) == [17 + i / 100 for i in range(n)]
    assert toolkit_server.shell_json(
        "import json\nfrom rest_framework.authtoken.models import Token\n"
        f"print('JSON ' + json.dumps(Token.objects.filter(user__username={toolkit_server.username!r}).count()))") == 1
    again = share_target(users["superuser"], ours, to_toolkit, data="photometry").record
    assert (again.created_count, again.existing_count, again.failed_count) == (0, n, 0), again.message


def test_photometry_without_a_bandpass_is_refused_by_the_toolkit_with_a_500_and_the_share_says_so(
        to_toolkit, toolkit_server, users):
    """TOM Toolkit 3.1.0 requires a bandpass and answers 500 without one; a 2.x receiver answers a duplicate with
    500. The sender cannot tell them apart: it counts the 500 as probably there, and its message says so."""
    ours = create_target(users["superuser"], sidereal("SN 2024nofilter", 12.5, 45.25))
    save_datums(ours, [parse_datum({"data_type": "photometry", "timestamp": "2024-06-01T00:00:00",
                                    "value": {"magnitude": 19.2, "error": 0.1, "telescope": "Amateur"}})],
                origin="manual")

    record = share_target(users["superuser"], ours, to_toolkit, data="photometry").record

    assert (record.created_count, record.existing_count, record.failed_count) == (0, 1, 0), record.message
    assert "1 answered HTTP 500, counted as probably already there" in record.message
    remote = remote_target(toolkit_server, "SN 2024nofilter")
    assert toolkit_server.get("api/reduceddatums/", target__id=remote["id"])["count"] == 0


def test_a_product_file_the_toolkit_cannot_read_fails_and_its_rows_arrive_as_datums(to_toolkit, toolkit_server, users):
    """Our usual light-curve CSV has an "mjd" column; TOM Toolkit 3.1.0's processor wants "time", answers 500 and
    drops the file. The share says the file failed, and the file's rows still arrive, as datums."""
    ours = create_target(users["superuser"], sidereal("SN 2024csv", 33.5, 21.25))
    upload = SimpleUploadedFile("lightcurve.csv", PHOTOMETRY_CSV.encode(), "text/csv")
    product = upload_data_product(ours, upload, "photometry", user=users["superuser"]).data_product

    record = share_target(users["superuser"], ours, to_toolkit, data="all", product_ids=[product.pk]).record

    assert (record.created_count, record.existing_count, record.failed_count) == (3, 0, 1), record.message
    assert record.message.endswith("lightcurve.csv: failed.")
    remote = remote_target(toolkit_server, "SN 2024csv")
    assert toolkit_server.get("api/reduceddatums/", target__id=remote["id"])["count"] == 3
    assert not [p for p in toolkit_server.get("api/dataproducts/")["results"] if p["target"] == remote["id"]]
