"""The test broker is real: hop-client writes and reads across it, headers included."""
from __future__ import annotations

import uuid

from hop import Stream
from hop.io import StartPosition
from hop.models import JSONBlob


def test_hop_round_trip_with_headers(kafka_broker):
    topic = kafka_broker.new_topic()
    stream = Stream(auth=False, start_at=StartPosition.EARLIEST, until_eos=True)
    with stream.open(kafka_broker.topic_url(topic), "w", automatic_offload=False) as writer:
        # hop adds its own _id (and _format); pack() shows them, write_raw() sends exactly that.
        payload, headers = writer.pack(JSONBlob({"title": "hello"}), headers=[("title", b"hello")])
        message_id = uuid.UUID(bytes=dict(headers)["_id"])
        writer.write_raw(payload, headers)
    with stream.open(kafka_broker.topic_url(topic), "r") as reader:
        received = list(reader.read(metadata=True))
    assert len(received) == 1
    message, metadata = received[0]
    assert message.content == {"title": "hello"}
    headers = dict(metadata.headers)
    assert headers["_id"] == message_id.bytes
    assert headers["title"] == b"hello"
    assert headers["_format"] == b"json"
