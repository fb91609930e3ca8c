"""Handlers referenced by dotted path from the tests' ALERT_STREAMS (real functions, as an operator would write)."""
from __future__ import annotations

import threading
import uuid
from collections import Counter

calls: list[tuple[str, object, object]] = []
attempts: Counter = Counter()


def record(alert, metadata):
    calls.append(("record", alert, metadata))


def record_other(alert, metadata):
    calls.append(("other", alert, metadata))


def gcn_message(message):
    """tom-alertstreams' GCN handlers take the confluent-kafka message alone."""
    calls.append(("gcn", message.topic(), message.value()))


def fails_on_poison(alert, metadata):
    """Fails every time on a message whose content says "poison"; records the others, in ``calls`` and as an
    IngestedMessage whose topic names its ``n`` (what a rolled-back batch did is gone from the database only)."""
    from alertstreams.models import IngestedMessage

    content = getattr(alert, "content", None)
    if isinstance(content, dict) and content.get("poison"):
        attempts[metadata.offset, metadata.partition] += 1
        raise RuntimeError("this handler cannot take poison")
    calls.append(("record", alert, metadata))
    IngestedMessage.objects.create(message_id=uuid.uuid4(), topic=f"ok {content['n']}")


def flaky(alert, metadata):
    """Fails on the first attempt at each message, then succeeds: the retry must not lose or double it."""
    key = (metadata.topic, metadata.partition, metadata.offset)
    attempts[key] += 1
    if attempts[key] == 1:
        raise ConnectionError("a passing failure")
    calls.append(("flaky", alert, metadata))


def reset():
    calls.clear()
    attempts.clear()
    threads.clear()


def record_keywords(alert, **kwargs):
    """tom-alertstreams' later convention: the alert, then alert_stream, topic and metadata as keywords."""
    calls.append(("keywords", alert, kwargs))


def record_stream_and_topic(raw_alert, alert_stream, topic, **kwargs):
    """As tom-alertstreams' later GCN handlers are written: the stream and the topic by name."""
    calls.append(("stream-and-topic", raw_alert, {"alert_stream": alert_stream, "topic": topic, **kwargs}))


def dangling_on_poison(alert, metadata):
    """For a "poison" message, writes a name of a target that does not exist: the database refuses it only when
    the transaction commits (Django's foreign keys are deferred, on SQLite as on PostgreSQL). Each other message
    is recorded as an IngestedMessage whose topic names its ``n``. Notes the thread it ran on."""
    from alertstreams.models import IngestedMessage
    from targets.models import TargetName

    threads.add(threading.current_thread().name)
    if alert.content.get("poison"):
        TargetName.objects.bulk_create([TargetName(target_id=10 ** 9, name=f"dangling {metadata.offset}",
                                                   key=f"dangling{metadata.offset}")])
    else:
        IngestedMessage.objects.create(message_id=uuid.uuid4(), topic=f"ok {alert.content['n']}")


dangling_on_poison.handle_batch = lambda items: [dangling_on_poison(alert, metadata) for alert, metadata in items]
threads: set[str] = set()
