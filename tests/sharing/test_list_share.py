"""Sharing a target list with another TOM of ours: chosen members arrive, there, in a list of the same name."""
from __future__ import annotations

import pytest
from django.urls import reverse

from dataproducts.datums import parse_datum
from dataproducts.services import save_datums
from sharing.models import ShareRecord
from targets.services import add_to_list, create_target
from tests.conftest import sidereal
from tests.sharing.conftest import PEER_PASSWORD

HTMX = {"HX-Request": "true"}
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def three_members(users, viewers, editors, target, target_list):
    """The fixture's target, one more the editor may share, one the editor may only view."""
    shareable = create_target(users["editor"], sidereal("SN 2024xyz", ra=20, dec=-5, aliases=["ATLAS24xyz"]))
    view_only = create_target(users["superuser"], sidereal("Secret 1", ra=30, dec=5), view_groups=[editors])
    add_to_list(target_list, [shareable, view_only])
    save_datums(shareable, [parse_datum({"data_type": "photometry", "timestamp": "2024-05-01T00:00:00",
                                         "value": {"limit": 21.0, "filter": "g", "telescope": "T"}})], origin="manual")
    return target, shareable, view_only


def test_the_list_and_its_shareable_members_arrive_with_their_data(client_for, settings, second_tom, three_members,
                                                                   target_list):
    settings.DATA_SHARING = {"second": {"DISPLAY_NAME": "Second", "BASE_URL": second_tom.url, "USERNAME": "peer",
                                        "PASSWORD": PEER_PASSWORD}}
    target, shareable, view_only = three_members
    client = client_for("editor")
    url = reverse("sharing:list-share", args=[target_list.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["shareable"] == {target.pk, shareable.pk}  # all preselected, the view-only one disabled
    assert "you may not share this target" in page.content.decode()

    # The view-only member forged into the POST is refused by name, and nothing is sent.
    forged = client.post(url, {"destination": "second", "targets": [target.pk, view_only.pk], "data": "none"},
                         headers=HTMX)
    assert forged.status_code == 400 and f"{view_only.pk} is not one of the available choices" in forged.content.decode()
    assert ShareRecord.objects.count() == 0
    response = client.post(url, {"destination": "second", "targets": [target.pk, shareable.pk], "data": "photometry"},
                           headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and 'id="list-share-results"' in body
    assert [r.target.name for r in ShareRecord.objects.order_by("target__name")] == ["SN 2024abc", "SN 2024xyz"]
    assert set(ShareRecord.objects.values_list("outcome", "via")) == {("sent", "list")}

    remote_lists = {tl["name"]: tl for tl in second_tom.get("api/targetlists/")["results"]}
    assert set(remote_lists) == {"Transients", "Imported From Test TOM"}
    names = {t["name"] for t in second_tom.get("api/targets/")["results"]}
    assert names == {"SN 2024abc", "SN 2024xyz"}
    xyz = second_tom.get("api/targets/", name_fuzzy="ATLAS24xyz")["results"][0]
    limits = [d["value"].get("limit") for d in second_tom.get("api/reduceddatums/", target__id=xyz["id"])["results"]]
    assert limits == [21.0]

    # Untick one member: only the other is shared (and finds itself already there).
    client.post(url, {"destination": "second", "targets": [shareable.pk], "data": "none"}, headers=HTMX)
    assert ShareRecord.objects.filter(target=shareable).count() == 2 and ShareRecord.objects.count() == 3
    assert second_tom.get("api/targets/")["count"] == 2


def test_nothing_chosen_or_an_unknown_destination_is_a_named_error(client_for, settings, three_members, target_list):
    settings.DATA_SHARING = {"peer": {"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u", "PASSWORD": "p"}}
    url = reverse("sharing:list-share", args=[target_list.pk])
    response = client_for("editor").post(url, {"destination": "peer", "data": "none"}, headers=HTMX)
    assert response.status_code == 400 and "Choose at least one target." in response.content.decode()
    response = client_for("editor").post(url, {"destination": "http://evil.example/", "targets": [three_members[0].pk],
                                               "data": "none"}, headers=HTMX)
    assert response.status_code == 400
    assert "&#x27;http://evil.example/&#x27; is not one of this TOM&#x27;s sharing destinations" in response.content.decode()
    assert ShareRecord.objects.count() == 0
