"""The target's Share page: a share permission, tabs with htmx, the outcome inline, the history."""
from __future__ import annotations

import pytest
from django.urls import reverse

from sharing.models import ShareRecord
from tests.sharing.conftest import PEER_PASSWORD

HTMX = {"HX-Request": "true"}
pytestmark = pytest.mark.django_db(transaction=True)


def test_sharing_needs_the_share_permission(client_for, target):
    assert client_for("viewer").get(reverse("sharing:share", args=[target.pk])).status_code == 403
    assert client_for("outsider").get(reverse("sharing:share", args=[target.pk])).status_code == 404
    page = client_for("editor").get(target.get_absolute_url()).content.decode()
    assert reverse("sharing:share", args=[target.pk]) in page
    assert reverse("sharing:share", args=[target.pk]) not in client_for("viewer").get(target.get_absolute_url()).content.decode()


def test_share_tab_lists_configured_destinations_and_explains_the_others(client_for, target, settings):
    settings.DATA_SHARING = {
        "good": {"DISPLAY_NAME": "Good TOM", "BASE_URL": "http://127.0.0.1:9/", "USERNAME": "a", "PASSWORD": "b"},
        "bad": {"DISPLAY_NAME": "Bad TOM", "BASE_URL": "http://127.0.0.1:9/",
                "USERNAME": "set BAD_USERNAME value in environment", "PASSWORD": "x"},
    }
    page = client_for("editor").get(reverse("sharing:share", args=[target.pk]))
    form = page.context["form"]
    assert form.fields["destination"].choices == [("good", "Good TOM (TOM)")]
    assert "Bad TOM: USERNAME is not set." in page.content.decode()
    assert form.fields["lists"].choices == []


def test_share_now_shows_the_outcome_inline_and_records_it(client_for, target, target_list, settings, second_tom,
                                                           data_product):
    settings.DATA_SHARING = {"second": {"DISPLAY_NAME": "Second", "BASE_URL": second_tom.url, "USERNAME": "peer",
                                        "PASSWORD": PEER_PASSWORD}}
    client = client_for("editor")
    response = client.post(reverse("sharing:send", args=[target.pk]),
                           {"destination": "second", "scope": "matching", "lists": ["Transients"],
                            "products": [data_product.pk]}, headers=HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="share-outcome"' in body
    assert "Created SN 2024abc in Second." in body and "lightcurve.csv: uploaded." in body
    assert "Data:" not in body  # only the file went: its 3 points are read from it there
    record = ShareRecord.objects.get()
    assert (record.user.username, record.destination, record.outcome) == ("editor", "second", "sent")
    assert record.what == "target, 3 selected datums and 1 data product"
    remote = second_tom.get("api/targets/", name_fuzzy="SN 2024abc")["results"][0]
    assert [p["filename"] for p in second_tom.get("api/dataproducts/", target__id=remote["id"])["results"]] == [
        "lightcurve.csv"]
    assert second_tom.get("api/reduceddatums/", target__id=remote["id"])["count"] == 3
    history = client.get(reverse("sharing:tab", args=[target.pk, "history"]), headers=HTMX).content.decode()
    assert "second" in history and "Sent" in history and "editor" in history
    bad = client.post(reverse("sharing:send", args=[target.pk]), {"destination": "elsewhere"}, headers=HTMX)
    assert bad.status_code == 400 and ShareRecord.objects.count() == 1


def test_unknown_tab_is_404(client_for, target):
    assert client_for("editor").get(reverse("sharing:tab", args=[target.pk, "nope"])).status_code == 404
