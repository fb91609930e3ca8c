"""Alert streams: ``ALERT_STREAMS`` parsed once into stream objects that hand out Kafka messages.

The family follows tom-alertstreams so its users' settings and handlers carry
over: a base ``AlertStream`` (options checked at start, topic -> handler
dispatch), ``HopskotchAlertStream`` (SCiMMA's HOPSKOTCH through hop-client's
message models) and ``GCNClassicAlertStream`` (gcn-kafka). What is ours:
offsets are stored only when ``commit`` is called, i.e. after the handler's
transaction committed (at-least-once), a broker that stops answering is
noticed through our own error callback (hop only logs it), and the consumer
fetches without librdkafka's one-second pause between fetches (WIRE.md §5).

The consumer is a ``confluent_kafka.Consumer`` configured here rather than
hop's ``Stream.open``: adc-streaming's ``ConsumerConfig`` has no way to pass
``fetch.queue.backoff.ms``, and that one setting caps reading at about 1,500
messages a second. Messages are still decoded by hop (``Deserializer``,
``Metadata``), so handlers receive exactly what tom-alertstreams gives them.
"""
from __future__ import annotations

import fnmatch
import inspect
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import confluent_kafka
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.text import slugify

logger = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"^\s*set\b.*\bin\s+environment\s*$", re.IGNORECASE)
# librdkafka settings for every stream's consumer (see the module docstring and WIRE.md §5).
CONSUMER_TUNING = {
    "fetch.queue.backoff.ms": 50,
    "queued.min.messages": 1000,
    "enable.auto.commit": True,  # commits what ``commit`` stored, every second and on close
    "auto.commit.interval.ms": 1000,
    "enable.auto.offset.store": False,
    "enable.partition.eof": True,
    "reconnect.backoff.ms": 100,
    "reconnect.backoff.max.ms": 10000,
}
# tom-alertstreams' and the TOM Toolkit's dotted paths, so their settings work unchanged here.
COMPATIBLE_PATHS = {
    "tom_alertstreams.alertstreams.hopskotch.HopskotchAlertStream": "alertstreams.streams.HopskotchAlertStream",
    "tom_alertstreams.alertstreams.gcn.GCNClassicAlertStream": "alertstreams.streams.GCNClassicAlertStream",
    "tom_dataproducts.alertstreams.hermes.hermes_alert_handler": "alertstreams.hermes.hermes_alert_handler",
    "tom_hermes.alertstreams.ingester.hermes_alert_handler": "alertstreams.hermes.hermes_alert_handler",
}
# Errors after which the consumer is closed and opened again (with backoff) rather than left to retry.
BROKER_DOWN = {confluent_kafka.KafkaError._ALL_BROKERS_DOWN}


class StreamConfigError(ImproperlyConfigured):
    """A bad ``ALERT_STREAMS`` entry; the message starts with the offending key."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key


def _present(value) -> bool:
    return value not in (None, "") and not (isinstance(value, str) and PLACEHOLDER.match(value))


@dataclass
class Handler:
    """A topic's handler: its dotted path, the function, and whether it takes (alert, metadata) or one argument."""

    path: str
    function: Callable
    two_arguments: bool = True
    # ``function.handle_batch([(alert, metadata), ...])``, when the handler offers it: readstreams then
    # hands it a whole batch at once (the Hermes handler does, to save per-message database work).
    batch: Callable | None = None

    @classmethod
    def load(cls, path: str, key: str) -> Handler:
        if not isinstance(path, str) or "." not in path:
            raise StreamConfigError(key, f"{path!r} is not a dotted path to a function.")
        try:
            function = import_string(COMPATIBLE_PATHS.get(path, path))
        except ImportError as exc:
            raise StreamConfigError(key, f"cannot import {path!r} ({exc}).") from None
        if not callable(function):
            raise StreamConfigError(key, f"{path!r} is not callable.")
        try:
            positional = [p for p in inspect.signature(function).parameters.values()
                          if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
            two = len(positional) != 1 or positional[0].kind == positional[0].VAR_POSITIONAL
        except (TypeError, ValueError):
            two = True
        return cls(path, function, two, getattr(function, "handle_batch", None))

    def __call__(self, alert, metadata):
        # tom-alertstreams' GCN and ANTARES handlers take the message alone
        return self.function(alert, metadata) if self.two_arguments else self.function(alert)


@dataclass
class Message:
    """One delivered message, whatever the stream: what its handler gets, and where it sits in Kafka."""

    topic: str
    partition: int
    offset: int
    headers: list
    value: bytes
    alert: object = None
    metadata: object = None
    decode_error: str = ""  # set when the value could not be decoded: no handler can use it
    skip: bool = False  # not for handlers (hop's test messages); only its offset moves on, with the batch

    def header(self, name: str) -> bytes | None:
        for key, value in self.headers or ():
            if key == name:
                return value
        return None


@dataclass
class TopicRule:
    key: str
    handler: Handler
    pattern: re.Pattern | None = None  # None: an exact topic name

    def matches(self, topic: str) -> bool:
        if self.key == "*":
            return True
        return bool(self.pattern.fullmatch(topic)) if self.pattern else topic == self.key


def _topic_rule(key, path, where: str) -> TopicRule:
    if not isinstance(key, str) or not key.strip():
        raise StreamConfigError(where, "topic names must be non-empty text.")
    handler = Handler.load(path, f"{where}[{key!r}]")
    if key == "*":
        return TopicRule(key, handler)
    if key.startswith("^"):  # a regular expression
        try:
            return TopicRule(key, handler, re.compile(key))
        except re.error as exc:
            raise StreamConfigError(f"{where}[{key!r}]", f"not a regular expression ({exc}).") from None
    if any(c in key for c in "*?["):  # a glob such as "hermes.*"
        return TopicRule(key, handler, re.compile(fnmatch.translate(key)))
    return TopicRule(key, handler)


class AlertStream:
    """A configured stream: options checked, handlers imported; subclasses say how to read.

    ``OPTIONS`` keys in ``allowed_keys`` become lower-case attributes (``URL`` ->
    ``self.url``) as in tom-alertstreams; a missing required key, an unknown
    key or a handler that cannot be imported raises ``StreamConfigError``
    naming it, so ``readstreams`` refuses to start.
    """

    required_keys: tuple[str, ...] = ("TOPIC_HANDLERS",)
    allowed_keys: tuple[str, ...] = ("TOPIC_HANDLERS",)

    def __init__(self, name: str, options: dict, where: str = "OPTIONS"):
        self.name = name
        self.where = where
        if not isinstance(options, dict):
            raise StreamConfigError(where, "must be a dict.")
        for key in self.required_keys:
            if key not in options:
                raise StreamConfigError(f"{where}.{key}", "is required.")
        for key in options:
            if key not in self.allowed_keys:
                raise StreamConfigError(f"{where}.{key}", f"unknown option for {type(self).__name__} "
                                                          f"(allowed: {', '.join(self.allowed_keys)}).")
        for key in self.allowed_keys:
            setattr(self, key.lower(), options.get(key))
        handlers = options["TOPIC_HANDLERS"]
        if not isinstance(handlers, dict) or not handlers:
            raise StreamConfigError(f"{where}.TOPIC_HANDLERS", "must map topics to dotted handler paths.")
        rules = [_topic_rule(k, v, f"{where}.TOPIC_HANDLERS") for k, v in handlers.items()]
        # exact names first, then patterns in the order given, then "*"
        self.rules = ([r for r in rules if r.pattern is None and r.key != "*"] + [r for r in rules if r.pattern]
                      + [r for r in rules if r.key == "*"])
        self.broken = ""  # why the connection must be reopened, set by the error callback

    def __str__(self) -> str:
        return self.name

    def rule_for(self, topic: str) -> TopicRule | None:
        return next((rule for rule in self.rules if rule.matches(topic)), None)

    def wanted_topics(self, available: Iterable[str]) -> set[str]:
        """Which of the broker's topics to read: exact names, and those a pattern matches."""
        exact = {r.key for r in self.rules if r.pattern is None and r.key != "*"}
        wanted = exact & set(available)
        for topic in available:
            if topic.startswith("__"):  # Kafka's own topics
                continue
            if any(r.matches(topic) for r in self.rules if r.pattern is not None or r.key == "*"):
                wanted.add(topic)
        return wanted

    def exact_topics(self) -> set[str]:
        return {r.key for r in self.rules if r.pattern is None and r.key != "*"}

    # Reading: implemented by KafkaAlertStream.
    def open(self, from_beginning: bool = False, only_topics: Iterable[str] = ()) -> None:
        raise NotImplementedError

    def poll(self, max_messages: int, timeout: float) -> list[Message]:
        raise NotImplementedError

    def commit(self, messages: list[Message]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @property
    def at_end(self) -> bool:
        """True when every assigned partition has been read to its end (for --until-end)."""
        raise NotImplementedError


class KafkaAlertStream(AlertStream):
    """Reading with a confluent-kafka consumer: manual partition assignment, offsets stored after commit."""

    allowed_keys = AlertStream.allowed_keys + ("GROUP_ID", "START_POSITION")

    def __init__(self, name: str, options: dict, where: str = "OPTIONS"):
        super().__init__(name, options, where)
        position = (self.start_position or "LATEST").upper() if isinstance(self.start_position or "", str) else None
        if position not in ("EARLIEST", "LATEST"):
            raise StreamConfigError(f"{where}.START_POSITION", "must be EARLIEST or LATEST.")
        self.start_position = position
        self.consumer = None
        self.assigned: set[tuple[str, int]] = set()
        self.active: set[tuple[str, int]] = set()  # partitions not yet read to their end
        self.missing_reported: set[str] = set()

    def default_group_id(self, username: str = "") -> str:
        base = slugify(settings.TOM_NAME) or "tom"
        return f"{username}-{base}-readstreams" if username else f"{base}-readstreams"

    def consumer_config(self) -> dict:
        raise NotImplementedError

    def make_consumer(self, config: dict):
        return confluent_kafka.Consumer(config)

    def decode(self, raw: confluent_kafka.Message) -> Message | None:
        """The message for its handler; None to skip it silently (hop's test messages)."""
        return Message(raw.topic(), raw.partition(), raw.offset(), raw.headers() or [], raw.value() or b"",
                       alert=raw, metadata=raw)

    def on_error(self, error: confluent_kafka.KafkaError) -> None:
        """librdkafka's error callback: log it, and ask for a reconnect when no broker answers."""
        logger.warning("%s: Kafka error: %s", self.name, error.str())
        if error.code() in BROKER_DOWN or error.fatal():
            self.broken = error.str()

    def open(self, from_beginning: bool = False, only_topics: Iterable[str] = ()) -> None:
        config = {
            **CONSUMER_TUNING,
            "error_cb": self.on_error,
            "auto.offset.reset": self.start_position.lower(),
            **self.consumer_config(),
        }
        self.broken = ""
        self.from_beginning = from_beginning
        self.only_topics = set(only_topics)
        self.assigned = set()
        self.active = set()
        self.consumer = self.make_consumer(config)
        self.refresh_topics()

    def refresh_topics(self) -> None:
        """Assign the partitions of wanted topics not yet assigned (new topics appear while we run)."""
        metadata = self.consumer.list_topics(timeout=10)
        available = {name for name, t in metadata.topics.items() if t.error is None}
        wanted = self.wanted_topics(available)
        if self.only_topics:
            wanted &= self.only_topics
        for topic in sorted((self.exact_topics() & (self.only_topics or self.exact_topics())) - available):
            if topic not in self.missing_reported:
                logger.warning("%s: topic %s is not on the broker (yet); it will be read once it appears.",
                               self.name, topic)
                self.missing_reported.add(topic)
        offset = confluent_kafka.OFFSET_BEGINNING if self.from_beginning else confluent_kafka.OFFSET_INVALID
        new = [confluent_kafka.TopicPartition(topic, p, offset)
               for topic in sorted(wanted) for p in metadata.topics[topic].partitions
               if (topic, p) not in self.assigned]
        if new:
            self.consumer.incremental_assign(new)
            pairs = {(tp.topic, tp.partition) for tp in new}
            self.assigned |= pairs
            self.active |= pairs
            logger.info("%s: reading %s", self.name, ", ".join(sorted({tp.topic for tp in new})))

    def poll(self, max_messages: int, timeout: float) -> list[Message]:
        messages = []
        for raw in self.consumer.consume(max_messages, timeout):
            error = raw.error()
            if error is None:
                self.active.add((raw.topic(), raw.partition()))
                message = self.decode(raw)
                if message is None:  # committed with the batch, so never ahead of a message not yet handled
                    message = Message(raw.topic(), raw.partition(), raw.offset(), [], b"", skip=True)
                messages.append(message)
            elif error.code() == confluent_kafka.KafkaError._PARTITION_EOF:
                self.active.discard((raw.topic(), raw.partition()))
            else:
                self.on_error(error)
        return messages

    @property
    def at_end(self) -> bool:
        return not self.active  # nothing assigned (no wanted topic on the broker yet) is caught up too

    def _store(self, positions: list[tuple[str, int, int]]) -> None:
        last: dict[tuple[str, int], int] = {}
        for topic, partition, offset in positions:
            last[(topic, partition)] = max(offset, last.get((topic, partition), -1))
        self.consumer.store_offsets(offsets=[confluent_kafka.TopicPartition(t, p, o + 1)
                                             for (t, p), o in last.items()])

    def commit(self, messages: list[Message]) -> None:
        """Mark messages done (their transaction has committed); librdkafka sends it within a second."""
        if messages:
            self._store([(m.topic, m.partition, m.offset) for m in messages])

    def close(self) -> None:
        """Close the consumer; with auto-commit on, librdkafka commits the stored offsets first."""
        consumer, self.consumer = self.consumer, None
        if consumer is not None:
            try:
                consumer.close()
            except (confluent_kafka.KafkaException, RuntimeError) as exc:
                logger.warning("%s: closing the consumer: %s", self.name, exc)


class HopskotchAlertStream(KafkaAlertStream):
    """HOPSKOTCH (or any Kafka broker) through hop-client: SCRAM credentials, or none for a local broker."""

    required_keys = ("URL", "TOPIC_HANDLERS")
    allowed_keys = KafkaAlertStream.allowed_keys + ("URL", "USERNAME", "PASSWORD")

    def __init__(self, name: str, options: dict, where: str = "OPTIONS"):
        super().__init__(name, options, where)
        from adc.kafka import parse_kafka_url

        try:
            _user, brokers, topics = parse_kafka_url(self.url)
        except (ValueError, TypeError, AttributeError) as exc:
            raise StreamConfigError(f"{where}.URL", f"not a kafka:// URL ({exc}).") from None
        if topics:
            raise StreamConfigError(f"{where}.URL", "name topics in TOPIC_HANDLERS, not in the URL.")
        self.brokers = brokers
        has_user, has_password = _present(self.username), _present(self.password)
        if has_user != has_password:
            missing = "PASSWORD" if has_user else "USERNAME"
            raise StreamConfigError(f"{where}.{missing}", "USERNAME and PASSWORD go together "
                                                          "(leave both out for a broker without authentication).")
        self.auth = None
        if has_user:
            from hop.auth import Auth

            self.auth = Auth(self.username, self.password)  # SCRAM-SHA-512 over TLS, as SCiMMA's brokers want
        if not _present(self.group_id):
            self.group_id = self.default_group_id(self.username if has_user else "")

    def consumer_config(self) -> dict:
        config = {"bootstrap.servers": ",".join(self.brokers), "group.id": self.group_id}
        if self.auth is not None:
            config.update(self.auth())
        return config

    def decode(self, raw: confluent_kafka.Message) -> Message | None:
        from hop.io import Consumer, Deserializer, Metadata

        if Consumer.is_test(raw):  # hop's readers skip test messages by default
            return None
        message = Message(raw.topic(), raw.partition(), raw.offset(), raw.headers() or [], raw.value() or b"")
        message.metadata = Metadata.from_message(raw)
        try:
            message.alert = Deserializer.deserialize(raw)
        except (ValueError, TypeError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
            message.decode_error = f"cannot decode the message: {exc}"
        return message


class GCNClassicAlertStream(KafkaAlertStream):
    """GCN Classic over Kafka (gcn-kafka). Handlers get the confluent-kafka message, as in tom-alertstreams.

    ``CONFIG`` passes librdkafka settings through (a test points it at a local
    broker with ``security.protocol: plaintext`` and no client id).
    """

    allowed_keys = KafkaAlertStream.allowed_keys + ("GCN_CLASSIC_CLIENT_ID", "GCN_CLASSIC_CLIENT_SECRET",
                                                    "DOMAIN", "CONFIG")

    def __init__(self, name: str, options: dict, where: str = "OPTIONS"):
        super().__init__(name, options, where)
        has_id, has_secret = _present(self.gcn_classic_client_id), _present(self.gcn_classic_client_secret)
        if has_id != has_secret:
            missing = "GCN_CLASSIC_CLIENT_SECRET" if has_id else "GCN_CLASSIC_CLIENT_ID"
            raise StreamConfigError(f"{where}.{missing}", "the client id and secret go together.")
        if not has_id and not (self.config or {}).get("bootstrap.servers"):
            raise StreamConfigError(f"{where}.GCN_CLASSIC_CLIENT_ID",
                                    "is required (or CONFIG['bootstrap.servers'] for a local broker).")
        if self.config is not None and not isinstance(self.config, dict):
            raise StreamConfigError(f"{where}.CONFIG", "must be a dict of librdkafka settings.")
        if not _present(self.group_id):
            self.group_id = self.default_group_id()

    def consumer_config(self) -> dict:
        return {"group.id": self.group_id, **(self.config or {})}

    def make_consumer(self, config: dict):
        import gcn_kafka

        return gcn_kafka.Consumer(config=config, client_id=self.gcn_classic_client_id or None,
                                  client_secret=self.gcn_classic_client_secret or None,
                                  domain=self.domain or None)

    def decode(self, raw: confluent_kafka.Message) -> Message | None:
        from hop.io import Metadata

        return Message(raw.topic(), raw.partition(), raw.offset(), raw.headers() or [], raw.value() or b"",
                       alert=raw, metadata=Metadata.from_message(raw))


def load_streams(entries=None) -> list[AlertStream]:
    """Every active ``ALERT_STREAMS`` entry as a stream; the first bad entry raises ``StreamConfigError``."""
    entries = settings.ALERT_STREAMS if entries is None else entries
    if not isinstance(entries, (list, tuple)):
        raise StreamConfigError("ALERT_STREAMS", "must be a list of {ACTIVE, NAME, OPTIONS} dicts.")
    streams = []
    for index, entry in enumerate(entries):
        where = f"ALERT_STREAMS[{index}]"
        if not isinstance(entry, dict):
            raise StreamConfigError(where, "must be a dict with NAME and OPTIONS.")
        if not entry.get("ACTIVE", True):
            continue
        path = entry.get("NAME")
        if not path:
            raise StreamConfigError(f"{where}.NAME", "is required (the dotted path of a stream class).")
        try:
            cls = import_string(COMPATIBLE_PATHS.get(path, path))
        except ImportError as exc:
            raise StreamConfigError(f"{where}.NAME", f"cannot import {path!r} ({exc}).") from None
        if not (isinstance(cls, type) and issubclass(cls, AlertStream)):
            raise StreamConfigError(f"{where}.NAME", f"{path!r} is not an AlertStream class.")
        streams.append(cls(path, entry.get("OPTIONS", {}), f"{where}.OPTIONS"))
    return streams
