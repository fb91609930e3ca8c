"""Refusals do not reveal what the caller may not see (issue 11, item 3).

Two users in two groups: alice's target, its alias, its data product and her list are visible to her group
only. Bob (who may add targets) is refused a clashing name, alias or product_id on the page, through the API
with HTTP Basic (as a peer would) and in a CSV import: the refusal says the name is taken and nothing more.
Alice, who may view the holder, still gets "already used by target X" (with a link on the page).
"""
from __future__ import annotations

import base64
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dataproducts.services import upload_data_product
from targets.models import Target, TargetName
from targets.services import create_target, create_target_list
from tests.conftest import PHOTOMETRY_CSV, sidereal

SECRETS = ("Private alice target", "alice-secret-alias", "alice-secret.csv")
HTMX = {"HX-Request": "true"}


def basic(user: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:pw-{user}".encode()).decode()}


@pytest.fixture
def people(db):
    adders = Permission.objects.filter(codename__in=["add_target", "add_targetlist"])
    teams = {}
    for name in ("alice", "bob"):
        group = Group.objects.create(name=f"{name} team")
        group.permissions.add(*adders)
        user = User.objects.create_user(name, password=f"pw-{name}")
        user.groups.add(group)
        teams[name] = (user, group)
    return teams


@pytest.fixture
def world(people):
    """Alice's private target (alias, product) and list; a target both may see, also on alice's list."""
    alice, alice_team = people["alice"]
    bob, bob_team = people["bob"]
    private = create_target(alice, sidereal("Private alice target", aliases=["alice-secret-alias"]),
                            view_groups=[alice_team])
    shared = create_target(alice, sidereal("Shared target", ra=20.0), view_groups=[alice_team, bob_team])
    bobs = create_target(bob, sidereal("Bob target", ra=30.0), view_groups=[bob_team], change_groups=[bob_team])
    upload_data_product(private, SimpleUploadedFile("alice-secret.csv", PHOTOMETRY_CSV.encode()), "photometry",
                        user=alice, product_id="survey-0001")
    alice_list = create_target_list(alice, "Alice private list", [alice_team], [], [private, shared])
    return {"private": private, "shared": shared, "bobs": bobs, "alice_list": alice_list}


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def assert_reveals_nothing(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} was revealed: {text[:500]}"


@pytest.mark.parametrize("form", [
    {"name": "ALICE SECRET ALIAS"},  # the name clashes with her alias
    {"name": "Bob new", "aliases": "private_alice_target"},  # an alias clashes with her name
])
def test_a_page_user_is_told_only_that_the_name_is_taken(people, world, form):
    bob = people["bob"][0]
    response = page_client(bob).post(reverse("targets:create"),
                                     {"type": "SIDEREAL", "ra": "1", "dec": "1", **form})
    assert response.status_code == 400
    body = response.content.decode()
    assert "is already used by another target." in body
    assert_reveals_nothing(body)
    assert Target.objects.count() == 3


def test_a_user_who_may_view_the_holder_is_told_which_target_with_a_link(people, world):
    alice = people["alice"][0]
    response = page_client(alice).post(reverse("targets:create"),
                                       {"name": "ALICE SECRET ALIAS", "type": "SIDEREAL", "ra": "1", "dec": "1"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "already used by target &#x27;Private alice target&#x27; (as &#x27;alice-secret-alias&#x27;)" in body
    assert f'<a href="{world["private"].get_absolute_url()}">Private alice target</a>' in body


def test_editing_into_a_hidden_name_reveals_nothing(people, world):
    bob = people["bob"][0]
    url = reverse("targets:update", args=[world["bobs"].pk])
    response = page_client(bob).post(url, {"name": "Bob target", "type": "SIDEREAL", "ra": "30", "dec": "10",
                                           "aliases": "Alice Secret Alias"})
    assert response.status_code == 400
    assert "already used by another target" in response.content.decode()
    assert_reveals_nothing(response.content.decode())


@pytest.mark.parametrize("body", [
    {"name": "alice secret alias", "type": "SIDEREAL", "ra": 1.0, "dec": 1.0},
    {"name": "Bob new", "type": "SIDEREAL", "ra": 1.0, "dec": 1.0, "aliases": [{"name": "PRIVATE ALICE TARGET"}]},
])
def test_a_peer_is_told_only_that_the_name_is_taken(people, world, body):
    response = Client(headers=basic("bob")).post("/api/targets/", body, content_type="application/json")
    assert response.status_code == 400
    errors = response.json()
    assert "already used by another target" in " ".join(m for messages in errors.values() for m in messages)
    assert_reveals_nothing(response.content.decode())


def test_a_peer_who_may_view_the_holder_is_told_which_target(people, world):
    response = Client(headers=basic("alice")).post(
        "/api/targets/", {"name": "alice secret alias", "type": "SIDEREAL", "ra": 1.0, "dec": 1.0},
        content_type="application/json")
    assert response.status_code == 400
    assert "already used by target 'Private alice target' (as 'alice-secret-alias')" in response.json()["name"][0]


def test_a_patch_adding_a_hidden_alias_reveals_nothing(people, world):
    response = Client(headers=basic("bob")).patch(
        f"/api/targets/{world['bobs'].pk}/", {"aliases": [{"name": "alice_secret_alias"}]},
        content_type="application/json")
    assert response.status_code == 400 and "already used by another target" in response.json()["aliases"][0]
    assert_reveals_nothing(response.content.decode())


def test_a_csv_import_reveals_nothing(people, world):
    bob = people["bob"][0]
    csv = "name,ra,dec,aliases\nalice secret alias,1,1,\nBob new,2,2,Private-Alice-Target\n"
    response = page_client(bob).post(reverse("targets:import"),
                                     {"file": SimpleUploadedFile("t.csv", csv.encode(), "text/csv")})
    assert response.status_code == 400
    errors = "\n".join(response.context["report"].errors)
    assert "Line 2 ('alice secret alias'): name: 'alice secret alias' is already used by another target." in errors
    assert "Line 3 ('Bob new'): aliases: 'Private-Alice-Target' is already used by another target." in errors
    assert_reveals_nothing(response.content.decode())
    assert Target.objects.count() == 3


def test_the_admin_validation_names_no_other_target(people, world):
    """Model validation (the admin's forms) has no user to ask: it names no target."""
    with pytest.raises(ValidationError) as refused:
        TargetName(target=world["bobs"], name="Alice Secret Alias").full_clean()
    assert_reveals_nothing(str(refused.value.message_dict))
    with pytest.raises(ValidationError) as refused:
        Target(name="ALICE_SECRET_ALIAS", ra=1, dec=1).full_clean()
    assert "already used by another target" in refused.value.message_dict["name"][0]
    assert_reveals_nothing(str(refused.value.message_dict))


def product_post(target, product_id: str) -> dict:
    return {"file": SimpleUploadedFile("bob.csv", b"mjd,filter,magnitude\n60500.5,r,17.5\n"),
            "data_product_type": "photometry", "product_id": product_id, "target": str(target.pk)}


def test_a_product_id_clash_on_the_page_reveals_nothing(people, world):
    bob = people["bob"][0]
    response = page_client(bob).post(reverse("dataproducts:upload", args=[world["bobs"].pk]),
                                     product_post(world["bobs"], "survey-0001"), headers=HTMX)
    assert response.status_code == 400
    assert "&#x27;survey-0001&#x27; is already taken by another data product." in response.content.decode()
    assert_reveals_nothing(response.content.decode())
    assert not world["bobs"].data_products.exists()


def test_a_product_id_clash_through_the_api_reveals_nothing(people, world):
    response = Client(headers=basic("bob")).post("/api/dataproducts/", product_post(world["bobs"], "survey-0001"))
    assert response.status_code == 400
    assert response.json() == {"product_id": ["'survey-0001' is already taken by another data product."]}
    assert_reveals_nothing(response.content.decode())


def test_a_product_id_clash_names_the_target_to_who_may_view_it(people, world):
    response = Client(headers=basic("alice")).post("/api/dataproducts/", product_post(world["shared"], "survey-0001"))
    assert response.status_code == 400
    assert response.json()["product_id"] == [
        "'survey-0001' already names a data product of target 'Private alice target' (alice-secret.csv)."]


def test_the_api_list_filter_treats_a_hidden_list_as_unknown(people, world):
    bob, alice = Client(headers=basic("bob")), Client(headers=basic("alice"))
    hidden = world["alice_list"].pk
    missing = hidden + 1000
    assert alice.get("/api/targets/", {"targetlist__name": hidden}).json()["count"] == 2
    # the shared target is on alice's list and bob may view it; the filter must not tell him so
    as_hidden = bob.get("/api/targets/", {"targetlist__name": hidden})
    as_missing = bob.get("/api/targets/", {"targetlist__name": missing})
    assert as_hidden.status_code == as_missing.status_code == 200
    assert as_hidden.json() == as_missing.json() == {"count": 0, "next": None, "previous": None, "results": []}
    assert bob.get("/api/targets/").json()["count"] == 2  # without the filter he sees his and the shared one


def test_the_list_page_filter_treats_a_hidden_list_as_unknown(people, world):
    """Held before the fix: the page's list filter only offers lists the user may view."""
    bob = page_client(people["bob"][0])
    hidden = world["alice_list"].pk
    as_hidden = bob.get(reverse("targets:list"), {"target_list": hidden})
    as_missing = bob.get(reverse("targets:list"), {"target_list": hidden + 1000})
    assert as_hidden.context["form"].errors == as_missing.context["form"].errors != {}
    assert list(as_hidden.context["page"].objects) == list(as_missing.context["page"].objects) == []
    assert "Shared target" not in as_hidden.content.decode()
    export = b"".join(bob.get(reverse("targets:export"), {"target_list": hidden}).streaming_content).decode()
    assert "Shared target" not in export


def test_every_other_refusal_answers_for_a_hidden_object_as_for_a_missing_one(people, world):
    """Probes that held before the fix: the same answer (ids aside) for alice's objects as for none at all."""
    bob = Client(headers=basic("bob"))
    bobs_list = create_target_list(people["bob"][0], "Bob list", [people["bob"][1]], [people["bob"][1]])
    hidden_target, hidden_list = world["private"].pk, world["alice_list"].pk
    datum = {"data_type": "photometry", "timestamp": "2025-01-01T00:00:00", "value": {"magnitude": 18, "filter": "g"}}
    probes = [
        lambda pk, lst: bob.get(f"/api/targets/{pk}/"),
        lambda pk, lst: bob.patch(f"/api/targets/{pk}/", {"ra": 1.0}, content_type="application/json"),
        lambda pk, lst: bob.delete(f"/api/targets/{pk}/"),
        lambda pk, lst: bob.post("/api/reduceddatums/", {**datum, "target": pk}, content_type="application/json"),
        lambda pk, lst: bob.post("/api/reduceddatums/bulk/", {"target": pk, "datums": [datum]},
                                 content_type="application/json"),
        lambda pk, lst: bob.post("/api/dataproducts/", product_post(world["private"], "x") | {"target": str(pk)}),
        lambda pk, lst: bob.get("/api/reduceddatums/", {"target": pk}),
        lambda pk, lst: bob.get("/api/dataproducts/", {"target__id": pk}),
        lambda pk, lst: bob.get(f"/api/targetlists/{lst}/"),
        lambda pk, lst: bob.post(f"/api/targetlists/{lst}/targets/", {"targets": [pk]}, content_type="application/json"),
        lambda pk, lst: bob.post(f"/api/targetlists/{bobs_list.pk}/targets/", {"targets": [pk]},
                                 content_type="application/json"),
    ]
    missing_target, missing_list = hidden_target + 1000, hidden_list + 1000
    for probe in probes:
        hidden, missing = probe(hidden_target, hidden_list), probe(missing_target, missing_list)
        assert hidden.status_code == missing.status_code != 500
        as_hidden, as_missing = (re.sub(rf"\b({pk}|{lst})\b", "ID", response.content.decode()) for response, pk, lst
                                 in ((hidden, hidden_target, hidden_list), (missing, missing_target, missing_list)))
        assert as_hidden == as_missing, (as_hidden, as_missing)
        assert_reveals_nothing(as_hidden)
    assert Target.objects.filter(pk=hidden_target).exists() and not world["private"].reduced_data.filter(
        bandpass="g", brightness=18).exists()
