"""Continuous sharing to a HOPSKOTCH topic on the real test broker: new data are published, stream data are not."""
from __future__ import annotations

import pytest
from hop import Stream
from hop.io import StartPosition

from dataproducts.services import save_datums
from sharing.continuous.shares import create_persistent_share
from sharing.models import PersistentShare
from tests.continuous.conftest import photometry

pytestmark = pytest.mark.django_db(transaction=True)


def test_new_photometry_is_published_and_what_came_off_a_stream_is_not_sent_back(immediate, settings, kafka_broker,
                                                                                 sharer, target):
    topic = kafka_broker.new_topic("continuous")
    settings.DATA_SHARING = {"hop": {"DISPLAY_NAME": "HOPSKOTCH (local)", "BROKER_URL": kafka_broker.url,
                                     "BROKER_AUTH": False, "USER_TOPICS": [topic]}}
    share = create_persistent_share(sharer, target, "hop")
    save_datums(target, photometry(3), origin="manual", user=sharer)
    save_datums(target, photometry(2, band="V"), origin="stream", stream_message=f"{topic}:abc")

    stream = Stream(auth=False, start_at=StartPosition.EARLIEST, until_eos=True)
    with stream.open(kafka_broker.topic_url(topic), "r") as reader:
        messages = [m.content for m in reader.read()]
    assert len(messages) == 1
    rows = messages[0]["data"]["photometry"]
    assert sorted(r["bandpass"] for r in rows) == ["g", "g", "g"]
    assert messages[0]["data"]["targets"][0]["name"] == "SN 2024abc"
    share = PersistentShare.objects.get(pk=share.pk)
    assert (share.sent_count, share.skipped_count, share.last_error) == (3, 2, "")


def test_a_batch_hermes_took_only_partly_stops_instead_of_publishing_again(immediate, settings, sharer, target):
    """Published parts cannot be recalled; resending would publish them twice under new _ids."""
    from sharing.models import Delivery
    from tests.sharing.hermes_standin import HermesStandIn

    standin = HermesStandIn(api_keys=("k",)).start()
    try:
        standin.accept_at_most = 1
        settings.DATA_SHARING = {"hermes": {"DISPLAY_NAME": "Hermes", "BASE_URL": standin.url,
                                            "HERMES_API_KEY": "k", "USER_TOPICS": ["hermes.test"]}}
        share = create_persistent_share(sharer, target, "hermes")
        rows = photometry(8000)
        for row in rows:
            row["telescope"] = "LCO 1m"
        save_datums(target, rows, origin="manual", user=sharer)  # > 1 MB of JSON: two messages
        share = PersistentShare.objects.get(pk=share.pk)
        assert len(standin.received) == 1
        assert "Published 1 of 2 messages" in share.last_error and share.retry_at is None
        assert set(Delivery.objects.filter(share=share).values_list("status", flat=True)) == {"failed"}
        from sharing.continuous.delivery import deliver_due

        deliver_due()  # nothing is due: the failed batch waits for a person
        assert len(standin.received) == 1
    finally:
        standin.stop()
