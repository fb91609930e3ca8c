"""Sharing a target and its data with another TOM over real HTTP: a second TOM of ours, and ourselves."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from dataproducts.datums import parse_datum
from dataproducts.models import ReducedDatum
from dataproducts.services import save_datums
from sharing.models import ShareRecord
from sharing.services import share_target
from targets.models import Target, TargetList
from tests.sharing.conftest import PEER_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def with_limits(target):
    save_datums(target, [parse_datum({"data_type": "photometry", "timestamp": "2024-02-01T00:00:00",
                                      "value": {"limit": 20.2, "filter": "r", "telescope": "T"}}),
                         parse_datum({"data_type": "spectroscopy", "timestamp": "2024-02-02T00:00:00",
                                      "value": {"flux": [1, 2], "wavelength": [500, 501], "flux_units": "mJy"}})],
                origin="manual")
    return target


def test_a_target_with_aliases_extras_photometry_limits_and_a_spectrum_arrives(settings, second_tom, users,
                                                                               data_product, with_limits):
    settings.DATA_SHARING = {"second": {"DISPLAY_NAME": "Second", "BASE_URL": second_tom.url, "USERNAME": "peer",
                                        "PASSWORD": PEER_PASSWORD}}
    outcome = share_target(users["editor"], with_limits, "second", data="all", lists=("Transients",))
    record = outcome.record
    assert record.outcome == "sent", record.message
    assert (record.created_count, record.existing_count, record.failed_count) == (5, 0, 0)
    assert record.message.startswith("Created SN 2024abc in Second.")

    found = second_tom.get("api/targets/", name_fuzzy="ZTF24aaaaaaa")["results"]
    assert len(found) == 1
    remote = found[0]
    assert sorted(a["name"] for a in remote["aliases"]) == ["AT 2024abc", "ZTF24aaaaaaa"]
    assert {e["key"]: e["value"] for e in remote["targetextra_set"]} == {"redshift": "0.05"}
    assert (remote["ra"], remote["dec"], remote["shared_from"], remote["shared_by"]) == (150.0, 2.5, "Test TOM", "editor")
    datums = second_tom.get("api/reduceddatums/", target__id=remote["id"])["results"]
    photometry = [d["value"] for d in datums if d["data_type"] == "photometry"]
    assert sorted(str((v.get("magnitude"), v.get("limit"))) for v in photometry) == [
        "(18.2, None)", "(18.5, None)", "(None, 20.1)", "(None, 20.2)"]
    assert {d["source_name"] for d in datums} == {"Test TOM"}
    assert any(d["data_type"] == "spectroscopy" and d["value"]["flux"] == [1.0, 2.0] for d in datums)
    lists = second_tom.get("api/targetlists/")["results"]
    assert {tl["name"] for tl in lists} == {"Imported From Test TOM", "Transients"}

    again = share_target(users["editor"], with_limits, "second", data="all")
    assert again.record.outcome == "sent"
    assert (again.record.created_count, again.record.existing_count) == (0, 5)
    assert second_tom.get("api/targets/")["count"] == 1
    assert ShareRecord.objects.filter(target=with_limits).count() == 2


def test_sharing_with_ourselves_finds_the_same_target_and_duplicates_nothing(settings, live_server, users,
                                                                              data_product):
    target = data_product.target
    settings.DATA_SHARING = {"localhost-tom": {"BASE_URL": live_server.url, "USERNAME": "editor",
                                               "PASSWORD": "pw-editor"}}
    before = (Target.objects.count(), ReducedDatum.objects.count())
    outcome = share_target(users["editor"], target, "localhost-tom", data="all")
    assert outcome.record.outcome == "sent", outcome.record.message
    assert (outcome.record.created_count, outcome.record.existing_count) == (0, 3)
    assert (Target.objects.count(), ReducedDatum.objects.count()) == before
    assert TargetList.objects.get(name="Imported From Test TOM").targets.get() == target


@pytest.mark.parametrize("entry,message", [
    ({"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "a", "PASSWORD": "b"}, "Could not reach"),
    ({"BASE_URL": "http://127.0.0.1:8000/", "USERNAME": "set X value in environment", "PASSWORD": "b"},
     "is not configured: USERNAME is not set."),
])
def test_unreachable_or_unconfigured_destinations_fail_with_a_record(settings, users, target, entry, message):
    settings.DATA_SHARING = {"peer": entry}
    outcome = share_target(users["editor"], target, "peer", data="all")
    assert outcome.record.outcome == "failed" and message in outcome.record.message
    assert "b" not in outcome.record.message.split()  # the password never appears
    assert share_target(users["editor"], target, "nowhere").record.message == "'nowhere' is not a destination in DATA_SHARING."


def test_wrong_credentials_are_reported(settings, second_tom, users, target):
    settings.DATA_SHARING = {"second": {"BASE_URL": second_tom.url, "USERNAME": "peer", "PASSWORD": "wrong"}}
    record = share_target(users["editor"], target, "second").record
    assert record.outcome == "failed" and "refused our credentials (HTTP 401)" in record.message


def test_manage_py_share_prints_the_outcome_and_fails_loudly(settings, second_tom, users, target, target_list, capsys):
    settings.DATA_SHARING = {"second": {"BASE_URL": second_tom.url, "USERNAME": "peer", "PASSWORD": PEER_PASSWORD},
                             "down": {"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "a", "PASSWORD": "b"}}
    call_command("share", "--list", "Transients", "second")
    assert "SN 2024abc: Sent." in capsys.readouterr().out
    with pytest.raises(CommandError, match="1 of 1 share"):
        call_command("share", "sn-2024abc", "down", "--data", "photometry")
    with pytest.raises(CommandError, match="No target is called"):
        call_command("share", "nothing", "second")


def test_the_second_tom_shares_back_with_its_own_command(settings, second_tom, live_server, users, target):
    """The other direction, with the other TOM's own code: its `manage.py share` into this TOM, over real HTTP."""
    import subprocess
    import sys

    from tests.servers import ROOT

    api = second_tom.api
    created = api.post(second_tom.url + "api/targets/", json={
        "name": "AT 2025back", "type": "SIDEREAL", "ra": 10.5, "dec": -20.25, "aliases": [{"name": "ZTF25back"}],
        "targetextra_set": [{"key": "host", "value": "NGC 1"}]}, timeout=30)
    assert created.status_code == 201, created.text
    remote_id = created.json()["id"]
    bulk = api.post(second_tom.url + "api/reduceddatums/bulk/", json={"target": remote_id, "datums": [
        {"data_type": "photometry", "timestamp": "2025-01-01T00:00:00",
         "value": {"magnitude": 17.1, "error": 0.02, "filter": "r", "telescope": "B"}},
        {"data_type": "photometry", "timestamp": "2025-01-02T00:00:00", "value": {"limit": 20.5, "filter": "r"}},
        {"data_type": "spectroscopy", "timestamp": "2025-01-03T00:00:00",
         "value": {"flux": [3.0, 4.0], "wavelength": [600.0, 601.0], "flux_units": "mJy"}}]}, timeout=30)
    assert bulk.json()["created"] == 3, bulk.text
    upload = api.post(second_tom.url + "api/dataproducts/", data={"target": str(remote_id), "data_product_type":
                                                                  "photometry"},
                      files={"file": ("back.csv", b"mjd,filter,magnitude,error\n60700.5,i,16.9,0.03\n")}, timeout=30)
    assert upload.status_code == 201, upload.text

    env = {**second_tom.env, "LOCALHOST_TOM_URL": live_server.url + "/", "LOCALHOST_TOM_USERNAME": "editor",
           "LOCALHOST_TOM_PASSWORD": "pw-editor"}
    command = [sys.executable, str(ROOT / "manage.py"), "share", "ztf25back", "localhost-tom", "--data", "all", "--files"]
    first = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "AT 2025back: Sent." in first.stdout

    arrived = Target.objects.get(names__name="ZTF25back")
    assert arrived.name == "AT 2025back" and (arrived.ra, arrived.dec) == (10.5, -20.25)
    assert arrived.shared_from == "Second TOM"
    assert {e.key: e.value for e in arrived.extras.all()} == {"host": "NGC 1"}
    datums = ReducedDatum.objects.filter(target=arrived)
    assert sorted(((d.bandpass, d.brightness, d.limit) for d in datums if d.data_type == "photometry"), key=str) == [
        ("i", 16.9, None), ("r", 17.1, None), ("r", None, 20.5)]
    assert [d.value["flux"] for d in datums if d.data_type == "spectroscopy"] == [[3.0, 4.0]]
    assert [p.filename for p in arrived.data_products.all()] == ["back.csv"]
    # Shared datums keep the source the second TOM gave them; the file's row is stamped with the sending TOM.
    assert sorted(datums.values_list("source_name", flat=True)) == ["Second TOM", "peer", "peer", "peer"]

    again = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Data: 0 new, 3 already there" in again.stdout and "back.csv: already there" in again.stdout
    assert (Target.objects.filter(names__name="ZTF25back").count(), datums.count(),
            arrived.data_products.count()) == (1, 4, 1)


@pytest.fixture
def broken_peer():
    """A peer whose every answer is HTTP 500 (a TOM with a bug), on a loopback port."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Broken(BaseHTTPRequestHandler):
        def _fail(self):
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<h1>Server Error (500)</h1>")

        do_GET = do_POST = do_PATCH = _fail

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Broken)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_a_peer_answering_500_is_a_clear_failure_on_the_page(settings, client_for, broken_peer, target):
    from django.urls import reverse

    settings.DATA_SHARING = {"broken": {"DISPLAY_NAME": "Broken TOM", "BASE_URL": broken_peer, "USERNAME": "u",
                                        "PASSWORD": "secret-pw-123"}}
    response = client_for("editor").post(reverse("sharing:send", args=[target.pk]),
                                         {"destination": "broken", "scope": "matching"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200 and "alert-danger" in body
    assert "Looking up &#x27;SN 2024abc&#x27; failed (HTTP 500)." in body
    assert "secret-pw-123" not in body
    record = ShareRecord.objects.get()
    assert record.outcome == "failed" and record.message == "Looking up 'SN 2024abc' failed (HTTP 500)."
