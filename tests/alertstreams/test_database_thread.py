"""readstreams' database thread: batches are stored there while the reading thread takes and parses the next,
and a batch's offsets are stored only once its transaction has committed (``Runner._finish``).

Run with ``transactional_db``: outside a test's own transaction, as readstreams runs, so the thread is used
(on SQLite too, where readstreams does not use it by default: the guarantee is the same on both).
"""
from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from alertstreams.models import DeadLetter, IngestedMessage
from alertstreams.runner import MAX_ATTEMPTS
from alertstreams.streams import KafkaAlertStream
from targets.models import TargetName

from . import handlers
from .conftest import hopskotch, publish


@pytest.fixture(autouse=True)
def fresh_handlers():
    handlers.reset()
    yield
    handlers.reset()


def test_a_batch_whose_commit_fails_stores_no_offset_before_its_messages_are_stored(settings, kafka_broker,
                                                                                    transactional_db, monkeypatch):
    """The poison message's row is refused at COMMIT, so the whole batch's transaction fails after its handler
    returned. No offset may be stored for it then: the messages are handled again one by one, the good ones
    stored and the poison one a dead letter, and every offset stored names a message whose outcome (its row,
    or its dead letter) is committed by then, as another connection sees it."""
    topic = kafka_broker.new_topic("thread")
    publish(kafka_broker, topic, [{"n": 0}, {"n": 1}, {"n": 2, "poison": True}, {"n": 3}])
    stored_too_early = []
    committed = []
    real_commit = KafkaAlertStream.commit

    def commit(self, messages):
        for message in messages:  # this thread's connection: it sees only what the database thread committed
            content = message.alert.content
            if content.get("poison"):
                done = DeadLetter.objects.filter(topic=topic, partition=message.partition,
                                                 offset=message.offset).exists()
            else:
                done = IngestedMessage.objects.filter(topic=f"ok {content['n']}").exists()
            (committed if done else stored_too_early).append(content["n"])
        return real_commit(self, messages)

    monkeypatch.setattr(KafkaAlertStream, "commit", commit)
    monkeypatch.setattr("alertstreams.runner.DATABASE_THREAD_VENDORS", {"postgresql", "sqlite"})
    monkeypatch.setattr("alertstreams.runner.RETRY_DELAY", 0.01)
    settings.ALERT_STREAMS = hopskotch(kafka_broker, {topic: "tests.alertstreams.handlers.dangling_on_poison"},
                                       GROUP_ID="thread-test")
    out = StringIO()
    call_command("readstreams", "--until-end", "--max-seconds", "60", stdout=out)

    assert handlers.threads and all(name.startswith("readstreams-database") for name in handlers.threads)
    assert stored_too_early == []
    assert sorted(committed) == [0, 1, 2, 3]
    assert sorted(IngestedMessage.objects.values_list("topic", flat=True)) == ["ok 0", "ok 1", "ok 3"]
    letter = DeadLetter.objects.get(topic=topic)
    assert letter.attempts == MAX_ATTEMPTS and b'"poison"' in bytes(letter.value)
    assert not TargetName.objects.filter(name__startswith="dangling").exists()
    assert "Stopped: 4 messages" in out.getvalue() and "1 dead letter" in out.getvalue()

    again = StringIO()  # every offset was committed: nothing is read again
    call_command("readstreams", "--until-end", "--max-seconds", "60", stdout=again)
    assert "Stopped: 0 messages" in again.getvalue()
