"""The loop the documentation describes: TOM A publishes photometry to a topic, TOM B's readstreams ingests it.

TOM A is this test's database, sharing through its ``DATA_SHARING`` Hermes
entry straight to the test broker (``share_target``); TOM B is another TOM of
ours in its own process and database, where the target is known only by an
alias that TOM A lists in the message.
"""
from __future__ import annotations

import pytest

from dataproducts.datums import parse_datum
from dataproducts.services import save_datums
from sharing.services import HermesText, share_target

from .conftest import hopskotch

pytestmark = pytest.mark.django_db


def test_photometry_shared_by_one_tom_lands_on_the_matching_target_of_another(settings, users, target, kafka_broker,
                                                                             reader_tom):
    topic = kafka_broker.new_topic("hermes")
    settings.DATA_SHARING = {"hop": {"DISPLAY_NAME": "HOPSKOTCH (local)", "BROKER_URL": kafka_broker.url,
                                     "BROKER_AUTH": False, "USER_TOPICS": [topic]}}
    rows = [parse_datum({"data_type": "photometry", "timestamp": f"2026-04-0{d}T03:00:00", "brightness": 18 + d / 10,
                         "brightness_error": 0.05, "bandpass": "r", "telescope": "LCO 1m"}) for d in range(1, 6)]
    save_datums(target, rows, origin="manual")
    record = share_target(users["editor"], target, "hop", data="all",
                          hermes=HermesText(title="SN 2024abc photometry", message="", authors="A. Astronomer")).record
    assert record.outcome == "sent", record.message

    # TOM B knows the object only as ZTF24aaaaaaa, an alias TOM A sends in the message's targets table
    reader_tom.python("from targets.services import create_target, TargetInput\n"
                      "create_target(None, TargetInput({'name': 'ZTF24aaaaaaa', 'type': 'SIDEREAL', 'ra': 150.0,"
                      " 'dec': 2.5}))\nprint(1)")
    result = reader_tom.run("readstreams", "--until-end", "--max-seconds", "60",
                            alert_streams=hopskotch(kafka_broker, topic))
    assert result.returncode == 0, result.stderr
    received = reader_tom.python(
        "import json\nfrom dataproducts.models import ReducedDatum\n"
        "rows = ReducedDatum.objects.filter(target__name='ZTF24aaaaaaa').order_by('timestamp')\n"
        "print(json.dumps([[r.brightness, r.bandpass, r.source_name, r.source_location, r.ingest.origin]"
        " for r in rows]))")
    assert [r[:3] for r in received] == [[18 + d / 10, "r", f"Hermes:{topic}"] for d in range(1, 6)]
    assert all(record.message_ids[0] in r[3] and r[4] == "stream" for r in received)
