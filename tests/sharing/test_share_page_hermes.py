"""The Share tab with a Hermes destination: title, message and authors, a preview, the message id in History."""
from __future__ import annotations

import pytest
from django.urls import reverse

from dataproducts.datums import parse_datum
from dataproducts.services import save_datums
from sharing.models import ShareRecord

HTMX = {"HX-Request": "true"}
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def hermes_standin():
    from tests.sharing.hermes_standin import HermesStandIn

    server = HermesStandIn(api_keys=("hermes-test-key",)).start()
    yield server
    server.stop()


@pytest.fixture
def hermes(settings, hermes_standin):
    hermes_standin.reset()
    settings.DATA_SHARING = {"hermes": {"DISPLAY_NAME": "Hermes", "BASE_URL": hermes_standin.url,
                                        "HERMES_API_KEY": "hermes-test-key", "USER_TOPICS": ["hermes.test", "tomtoolkit.test"]},
                             "tom": {"BASE_URL": "http://127.0.0.1:9/", "USERNAME": "u", "PASSWORD": "p"}}
    return hermes_standin


def _points(target, *values):
    save_datums(target, [parse_datum({"data_type": "photometry", "timestamp": f"2024-04-0{i + 1}T00:00:00",
                                      "value": v}) for i, v in enumerate(values)], origin="manual")


def test_preview_then_share_to_hermes_from_the_tab(client_for, target, hermes):
    _points(target, {"magnitude": 18.0, "error": 0.1, "filter": "g", "telescope": "LCO 1m"},
            {"limit": 20.5, "filter": "r", "telescope": "LCO 1m"})
    client = client_for("editor")
    words = {"destination": "hermes", "scope": "matching", "title": "SN 2024abc rising",
             "message": "Two nights of photometry.", "authors": "A. Astronomer"}
    preview = client.post(reverse("sharing:preview", args=[target.pk]), words, headers=HTMX).content.decode()
    assert "1 message to Hermes." in preview and "Message 1 of 1 (" in preview
    assert "&quot;title&quot;: &quot;SN 2024abc rising&quot;" in preview
    assert "&quot;limiting_brightness&quot;: 20.5" in preview
    assert hermes.received == [] and ShareRecord.objects.count() == 0  # a preview sends nothing

    body = client.post(reverse("sharing:send", args=[target.pk]), words, headers=HTMX).content.decode()
    record = ShareRecord.objects.get()
    assert record.outcome == "sent", record.message
    assert record.message_ids == hermes.uuids and len(record.message_ids) == 1
    assert record.message_ids[0] in body
    sent = hermes.received[0]
    assert (sent["title"], sent["message_text"], sent["authors"]) == (
        "SN 2024abc rising", "Two nights of photometry.", "A. Astronomer")
    history = client.get(reverse("sharing:tab", args=[target.pk, "history"]), headers=HTMX).content.decode()
    assert record.message_ids[0] in history


def test_a_row_hermes_would_refuse_is_named_in_the_preview_and_nothing_is_sent(client_for, target, hermes):
    _points(target, {"magnitude": 18.0, "error": 0.1, "filter": "g"})  # neither telescope nor instrument
    client = client_for("editor")
    data = {"destination": "hermes", "scope": "matching"}
    preview = client.post(reverse("sharing:preview", args=[target.pk]), data, headers=HTMX).content.decode()
    assert "preview-error" in preview and "photometry[0]" in preview
    client.post(reverse("sharing:send", args=[target.pk]), data, headers=HTMX)
    record = ShareRecord.objects.get()
    assert record.outcome == "failed" and "photometry[0]" in record.message
    assert hermes.received == []


def test_the_topic_is_chosen_among_the_destinations_topics(client_for, target, hermes):
    _points(target, {"magnitude": 18.0, "error": 0.1, "filter": "g", "telescope": "LCO 1m"})
    client = client_for("editor")
    url = reverse("sharing:send", args=[target.pk])
    client.post(url, {"destination": "hermes", "scope": "matching", "topic": "tomtoolkit.test"}, headers=HTMX)
    assert [m["topic"] for m in hermes.received] == ["tomtoolkit.test"]
    wrong = client.post(url, {"destination": "tom", "scope": "matching", "topic": "tomtoolkit.test"}, headers=HTMX)
    assert wrong.status_code == 400 and "tomtoolkit.test is not a topic of tom." in wrong.content.decode()
    unknown = client.post(url, {"destination": "hermes", "scope": "matching", "topic": "elsewhere"}, headers=HTMX)
    assert unknown.status_code == 400 and ShareRecord.objects.count() == 1
