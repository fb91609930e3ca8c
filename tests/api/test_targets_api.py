"""/api/targets/ and /api/targetlists/ as TOM Toolkit senders (2.x and 3.x) and our own clients call them."""
from __future__ import annotations

import pytest

from targets.models import Target, TargetList, TargetName
from targets.services import create_target
from tests.conftest import sidereal

TOOLKIT_TARGET = {  # what a TOM Toolkit 3.1 sender posts (shared/WIRE.md §1), ids and read-only keys included
    "id": 77, "name": "SN 2025zz", "type": "SIDEREAL", "ra": 0.0, "dec": 0.0, "epoch": 2000.0, "pm_ra": None,
    "pm_dec": None, "parallax": None, "scheme": "", "epoch_of_elements": None, "created": "2025-01-01T00:00:00Z",
    "modified": "2025-01-01T00:00:00Z", "permissions": "PRIVATE", "galactic_lng": 96.3, "galactic_lat": -60.2,
    "aliases": [{"id": 3, "name": "ZTF25zz"}, {"name": "AT 2025zz+1"}],
    "targetextra_set": [{"id": 9, "key": "redshift", "value": "0.05"}, {"key": "ra", "value": "ignored"}],
    "groups": [], "target_lists": [{"name": "Imported From Peer TOM"}, {"id": 4, "name": "Shared list"}],
    "shared_by": "alice", "shared_from": "Peer TOM",
}


def test_a_toolkit_share_creates_the_target_with_everything(api_as, users):
    response = api_as("editor").post("/api/targets/", TOOLKIT_TARGET, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["message"] == "Target successfully uploaded." and body["id"] != 77
    target = Target.objects.get(name="SN 2025zz")
    assert (target.ra, target.dec, target.shared_by, target.shared_from) == (0.0, 0.0, "alice", "Peer TOM")
    assert target.alias_names() == ["ZTF25zz", "AT 2025zz+1"]
    assert {e.key: e.value for e in target.extras.all()} == {"redshift": "0.05"}
    assert sorted(target.target_lists.values_list("name", flat=True)) == ["Imported From Peer TOM", "Shared list"]
    assert users["editor"].has_perm("targets.change_target", target)
    assert [a["name"] for a in body["aliases"]] == ["ZTF25zz", "AT 2025zz+1"]


def test_sharing_again_finds_it_by_any_name_and_patch_adds_lists(api_as):
    client = api_as("editor")
    created = client.post("/api/targets/", TOOLKIT_TARGET, content_type="application/json").json()
    # senders join names with commas, unencoded: '+' may arrive as a space
    found = client.get("/api/targets/?name_fuzzy=nothing,AT 2025zz 1").json()
    assert found["count"] == 1 and found["results"][0]["id"] == created["id"]
    assert client.get("/api/targets/", {"name_fuzzy": "sn-2025ZZ"}).json()["count"] == 1
    again = client.post("/api/targets/", TOOLKIT_TARGET, content_type="application/json")
    assert again.status_code == 400 and "already used by target" in again.json()["name"][0]
    patch = client.patch(f"/api/targets/{created['id']}/", {"target_lists": [{"name": "Second list"}]},
                         content_type="application/json")
    assert patch.status_code == 200 and patch.json()["message"] == "Target successfully updated."
    assert TargetList.objects.filter(name="Second list", targets__pk=created["id"]).exists()
    assert Target.objects.count() == 1


def test_lists_are_found_by_name_and_not_duplicated(api_as):
    client = api_as("editor")
    client.post("/api/targets/", TOOLKIT_TARGET, content_type="application/json")
    client.post("/api/targets/", {**TOOLKIT_TARGET, "name": "Other", "aliases": []}, content_type="application/json")
    assert TargetList.objects.filter(name="Imported From Peer TOM").count() == 1
    assert TargetList.objects.get(name="Imported From Peer TOM").targets.count() == 2


@pytest.mark.parametrize("body,field", [
    ({"type": "SIDEREAL", "ra": 1, "dec": 1}, "name"),
    ({"name": "X", "type": "SIDEREAL", "ra": 1}, "dec"),
    ({"name": "X", "type": "SIDEREAL", "ra": 400, "dec": 1}, "ra"),
    ({"name": "X", "type": "SIDEREAL", "ra": "north", "dec": 1}, "ra"),
    ({"name": "X", "ra": 1, "dec": 1, "aliases": [{"name": "at 2024-abc"}]}, "aliases"),
    ({"name": "X", "ra": 1, "dec": 1, "groups": [{"name": "Not mine"}]}, "groups"),
    ({"name": "X", "type": "NON_SIDEREAL", "scheme": "MPC_COMET"}, "epoch_of_elements"),
    ({"name": "X", "ra": 1, "dec": 1, "aliases": "not a list"}, "aliases"),
])
def test_bad_targets_get_400_naming_the_field_and_nothing_is_created(api_as, target, body, field):
    response = api_as("editor").post("/api/targets/", body, content_type="application/json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert Target.objects.count() == 1 and not TargetList.objects.exists()


def test_malformed_json_is_a_json_400(api_as):
    response = api_as("editor").post("/api/targets/", "{nope", content_type="application/json")
    assert response.status_code == 400 and response["Content-Type"].startswith("application/json")


def test_creating_needs_the_add_permission(api_as):
    response = api_as("viewer").post("/api/targets/", TOOLKIT_TARGET, content_type="application/json")
    assert response.status_code == 403 and "detail" in response.json()
    assert not Target.objects.exists()


def test_lists_show_only_visible_targets_with_drf_pagination(api_as, users, target):
    from targets.services import create_target
    from tests.conftest import sidereal

    for i in range(5):
        create_target(users["superuser"], sidereal(f"Hidden {i}"))
    viewer = api_as("viewer").get("/api/targets/").json()
    assert viewer["count"] == 1 and viewer["results"][0]["name"] == "SN 2024abc"
    assert api_as("outsider").get("/api/targets/", {"name_fuzzy": "SN 2024abc"}).json()["count"] == 0
    page = api_as("superuser").get("/api/targets/", {"limit": 2, "offset": 2}).json()
    assert page["count"] == 6 and len(page["results"]) == 2
    assert "offset=4" in page["next"] and "offset=0" in page["previous"]


def test_filters(api_as, users, target):
    client = api_as("viewer")
    assert client.get("/api/targets/", {"name": "ztf24,nothing"}).json()["count"] == 1
    assert client.get("/api/targets/", {"cone_search": "150,2.5,0.01"}).json()["count"] == 1
    assert client.get("/api/targets/", {"cone_search": "10,2.5,0.01"}).json()["count"] == 0
    assert client.get("/api/targets/", {"cone_search": "oops"}).status_code == 400
    assert client.get("/api/targets/", {"cone_search": "150,2.5,1e1 arcsec"}).json()["count"] == 1
    refused = client.get("/api/targets/", {"cone_search": "150,2.5,1e3 parsec"})
    assert refused.status_code == 400 and "'parsec' is not an angle unit" in refused.json()["cone_search"][0]
    assert client.get("/api/targets/", {"key": "redshift", "value": "0.05"}).json()["count"] == 1
    assert client.get("/api/targets/", {"type": "NON_SIDEREAL"}).json()["count"] == 0


def test_detail_update_and_delete_follow_permissions(api_as, target):
    url = f"/api/targets/{target.pk}/"
    assert api_as("outsider").get(url).status_code == 404
    assert api_as("viewer").get(url).json()["name"] == "SN 2024abc"
    assert api_as("viewer").patch(url, {"ra": 1}, content_type="application/json").status_code == 403
    assert api_as("viewer").delete(url).status_code == 403
    response = api_as("editor").patch(url, {"ra": 1.5, "aliases": [{"name": "New alias"}],
                                            "targetextra_set": [{"key": "host", "value": "NGC 1"}]},
                                      content_type="application/json")
    assert response.status_code == 200, response.json()
    target.refresh_from_db()
    assert target.ra == 1.5 and "New alias" in target.alias_names() and target.extras.filter(key="redshift").exists()
    assert api_as("editor").delete(url).status_code == 204
    assert not Target.objects.exists() and not TargetName.objects.exists()


def test_target_lists_api(api_as, target, target_list):
    client = api_as("editor")
    created = client.post("/api/targetlists/", {"name": "Spectroscopy"}, content_type="application/json")
    assert created.status_code == 201
    list_id = created.json()["id"]
    url = f"/api/targetlists/{list_id}/targets/"
    assert client.post(url, {"targets": [target.pk]}, content_type="application/json").json()["changed"] == 1
    assert client.get(f"/api/targetlists/{list_id}/").json()["targets"] == [target.pk]
    assert client.post(url, {"targets": [999]}, content_type="application/json").status_code == 400
    assert client.post(url, {"targets": [target.pk], "action": "remove"}, content_type="application/json").json()["changed"] == 1
    names = [tl["name"] for tl in api_as("viewer").get("/api/targetlists/").json()["results"]]
    assert names == ["Transients"]
    assert api_as("viewer").post("/api/targetlists/", {"name": "x"}, content_type="application/json").status_code == 403


def test_an_extra_field_holding_nul_is_a_400(api_as):
    """PostgreSQL refuses NUL in text: the API refuses it first (a probe that held: the JSON reader does)."""
    body = {**TOOLKIT_TARGET, "targetextra_set": [{"key": "notes", "value": "a" + chr(0) + "b"}]}
    response = api_as("editor").post("/api/targets/", body, content_type="application/json")
    assert response.status_code == 400 and "NUL" in str(response.json())
    assert not Target.objects.filter(name="SN 2025zz").exists()


def test_a_target_near_another_is_accepted_with_a_warning_naming_only_visible_neighbours(api_as, users, target):
    """Senders cannot be asked: the answer's message (what TOM Toolkit senders show) carries the warning."""
    create_target(users["superuser"], sidereal("Hidden one", 10.0, 10.0))  # no fixture group may view it
    client = api_as("editor")
    body = {"name": "AT twin", "type": "SIDEREAL", "ra": 150.0, "dec": 2.5 + 2 / 3600}
    answer = client.post("/api/targets/", body, content_type="application/json")
    assert answer.status_code == 201
    data = answer.json()
    assert data["message"].startswith("Target successfully uploaded. Warning: AT twin is within 5″ of SN 2024abc (2.0″)")
    assert data["warnings"] == [data["message"].removeprefix("Target successfully uploaded. Warning: ")]
    assert data["neighbours"] == [{"id": target.pk, "name": "SN 2024abc", "separation_arcsec": pytest.approx(2.0, abs=1e-3)}]
    quiet = client.post("/api/targets/", {"name": "AT quiet", "type": "SIDEREAL", "ra": 10.0, "dec": 10.0},
                        content_type="application/json").json()
    assert quiet["message"] == "Target successfully uploaded." and "warnings" not in quiet and "neighbours" not in quiet
    assert "Hidden" not in str(quiet)
