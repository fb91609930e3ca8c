"""Alert streams: ``ALERT_STREAMS`` parsed once into stream objects that hand out Kafka messages.

The family follows tom-alertstreams so its users' settings and handlers carry
over: a base ``AlertStream`` (options checked at start, topic -> handler
dispatch), ``HopskotchAlertStream`` (SCiMMA's HOPSKOTCH through hop-client's
message models) and ``GCNClassicAlertStream`` (gcn-kafka). What is ours:
offsets are stored only when ``commit`` is called, i.e. after the handler's
transaction committed (at-least-once), a broker that stops answering is
noticed through our own error callback (hop only logs it), the consumer
fetches without librdkafka's one-second pause between fetches (see below),
and several readstreams processes with a stream's group id share its
partitions (``KafkaAlertStream``).

The consumer is a ``confluent_kafka.Consumer`` configured here rather than
hop's ``Stream.open``: adc-streaming's ``ConsumerConfig`` has no way to pass
``fetch.queue.backoff.ms``, and that one setting caps reading at about 1,500
messages a second. Messages are still decoded by hop (``Deserializer``,
``Metadata``), so handlers receive exactly what tom-alertstreams gives them.

librdkafka's own log lines go to the ``alertstreams.kafka`` logger (its
``logger`` setting), not raw to stderr: a broker that refuses connections
makes librdkafka log every 50 ms, and readstreams reports each of its own
reconnect attempts in one line instead.
"""
from __future__ import annotations

import fnmatch
import inspect
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import confluent_kafka
import orjson
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string
from django.utils.text import slugify

from core.placeholders import has_value, is_placeholder

logger = logging.getLogger(__name__)
kafka_logger = logging.getLogger("alertstreams.kafka")

# A run of 19 digits: a JSON integer orjson may not hold exactly (see HopskotchAlertStream.decode). Found by
# mapping every digit to "0" and looking for nineteen of them: a regular expression tried a match at every digit
# of the message, more time than orjson took to parse it.
DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
LONG_NUMBER = b"0" * 19


def has_long_number(value: bytes) -> bool:
    """Whether ``value`` holds 19 or more ASCII digits in a row."""
    return LONG_NUMBER in value.translate(DIGITS_AS_ZERO)

# librdkafka settings for every stream's consumer (see the module docstring: with hop's defaults, which leave
# fetch.queue.backoff.ms at 1,000 ms, reads ran at about 1,500 messages/s; at 50 ms, at about 9,600).
CONSUMER_TUNING = {
    "fetch.queue.backoff.ms": 50,
    "queued.min.messages": 1000,
    "enable.auto.commit": True,  # commits what ``commit`` stored, every second and on close
    "auto.commit.interval.ms": 1000,
    "enable.auto.offset.store": False,
    "enable.partition.eof": True,
    "reconnect.backoff.ms": 100,
    "reconnect.backoff.max.ms": 10000,
    # (session.timeout.ms and heartbeat.interval.ms: from ALERT_STREAMS_SESSION_SECONDS, see ``group_tuning``.)
    # A reader joining or leaving moves only the partitions that change hands; the others keep being read.
    "partition.assignment.strategy": "cooperative-sticky",
}


def group_tuning() -> dict:
    """The consumer group's timing: readers of one stream (same group id) share its partitions, and a reader that
    dies (SIGKILL, machine lost) has its partitions handed to the others once its session expires
    (``ALERT_STREAMS_SESSION_SECONDS``; 6 s is the least a Kafka broker accepts by default,
    group.min.session.timeout.ms). The session also bounds how long close() waits for the group coordinator
    with the broker gone (librdkafka's default, 45 s, held a close, and so SIGTERM, that long); offsets it
    could not commit are read again (at-least-once, as after a crash). Heartbeats, sent by librdkafka's own
    thread whatever the handlers are doing, come three times a session, as Kafka advises."""
    session_ms = max(int(settings.ALERT_STREAMS_SESSION_SECONDS * 1000), 1)
    return {"session.timeout.ms": session_ms, "heartbeat.interval.ms": max(session_ms // 3, 1)}


# The TOM Toolkit's dotted paths of its Hermes handler, so its users' TOPIC_HANDLERS work unchanged here.
# (tom-alertstreams' and tom_dataproducts' paths are real modules too: the ``tom_alertstreams`` and
# ``tom_dataproducts`` compat packages; the first entry is kept so the mapping never depends on them.)
# tom-hermes' stays a name in a setting: its package is not provided here.
COMPATIBLE_PATHS = {
    "tom_dataproducts.alertstreams.hermes.hermes_alert_handler": "alertstreams.hermes.hermes_alert_handler",
    "tom_hermes.alertstreams.ingester.hermes_alert_handler": "alertstreams.hermes.hermes_alert_handler",
}
# A commit refused only because the group's members are still exchanging a rebalance's assignment (a Kafka
# broker answers REBALANCE_IN_PROGRESS until every member has synced; a cooperative revoke runs in that window)
# is tried again, every REVOKE_COMMIT_RETRY_SECONDS for at most REVOKE_COMMIT_SECONDS: the other members sync
# on their own client threads, so the window closes without this reader's help.
REVOKE_COMMIT_SECONDS = 5.0
REVOKE_COMMIT_RETRY_SECONDS = 0.05
# Errors after which the consumer is closed and opened again (with backoff) rather than left to retry.
BROKER_DOWN = {confluent_kafka.KafkaError._ALL_BROKERS_DOWN}
# Errors about one broker connection, which librdkafka retries by itself; readstreams' reconnect line
# reports them when they add up to "no broker answers" (BROKER_DOWN), so on their own they are chatter.
CONNECTION_ERRORS = BROKER_DOWN | {confluent_kafka.KafkaError._TRANSPORT, confluent_kafka.KafkaError._RESOLVE,
                                   confluent_kafka.KafkaError._TIMED_OUT}
# The TOM Toolkit's documented ALERT_STREAMS reads the credentials from these (see StreamConfigError texts).
DOCUMENTED_CREDENTIAL_VARIABLES = "SCIMMA_CREDENTIAL_USERNAME and SCIMMA_CREDENTIAL_PASSWORD"


class StreamConfigError(ImproperlyConfigured):
    """A bad ``ALERT_STREAMS`` entry; the message starts with the offending key."""

    def __init__(self, key: str, message: str):
        super().__init__(f"{key}: {message}")
        self.key = key


def _credentials(options: dict, keys: tuple[str, str], where: str, variables: str) -> bool:
    """Whether a stream authenticates: True when both ``keys`` are given, False when both are left out.

    A key that is present but empty, or still a documentation placeholder ("set
    SCIMMA_CREDENTIAL_USERNAME value in environment"), is refused, naming it:
    the settings meant to authenticate, and connecting without credentials
    would only be refused by the broker, again and again. Leaving both keys
    out is the explicit way to read a broker without authentication.
    """
    placeholders, empty = {}, []
    for key in [k for k in keys if k in options]:
        value = options[key]
        if is_placeholder(value):
            placeholders[key] = value.strip()  # a placeholder is documentation text, never a secret: safe to quote
        elif value is None or (isinstance(value, str) and not value.strip()):
            empty.append(key)
    both = " and ".join(keys)
    how = (f"set the environment variables your settings read {both} from ({variables} in the TOM Toolkit's "
           f"documentation), or leave {both} out for a broker without authentication.")
    if placeholders:
        names = " and ".join(placeholders)
        verb = "are" if len(placeholders) > 1 else "is"
        quoted = ", ".join(dict.fromkeys(repr(v) for v in placeholders.values()))
        raise StreamConfigError(f"{where}.{next(iter(placeholders))}",
                                f"{names} {verb} still the documentation's placeholder ({quoted}): {how}")
    if empty:
        verb = "are" if len(empty) > 1 else "is"
        raise StreamConfigError(f"{where}.{empty[0]}", f"{' and '.join(empty)} {verb} empty: {how}")
    given = [key in options for key in keys]
    if given[0] != given[1]:
        missing = keys[given.index(False)]
        raise StreamConfigError(f"{where}.{missing}", f"{both} go together "
                                                      "(leave both out for a broker without authentication).")
    return all(given)


class KafkaLog:
    """librdkafka's log lines (confluent-kafka's ``logger`` setting) through Python logging, at our levels.

    A failed connection (FAIL, logged every 50 ms while a broker refuses) or
    request (REQTMOUT) is DEBUG: librdkafka retries them itself, and when they
    add up to an unreachable broker readstreams says so in one line per
    reconnect attempt, giving the first of them as its reason. librdkafka's
    other errors are WARNING (readstreams carries on), its notices INFO, its
    debug DEBUG.
    """

    CHATTER = {"FAIL", "REQTMOUT"}

    def __init__(self, stream: KafkaAlertStream):
        self.stream = stream

    def log(self, level: int, fmt: str, *args) -> None:
        facility = args[0] if args else ""
        if facility in self.CHATTER:
            level = logging.DEBUG
            if not self.stream.last_log:  # the first says why; what follows repeats it or sums it up
                self.stream.last_log = str(args[-1]).split("]: ", 1)[-1]  # without librdkafka's "[thrd:...]: "
        else:
            level = min(level, logging.WARNING)
        if kafka_logger.isEnabledFor(level):
            kafka_logger.log(level, "%s: librdkafka " + fmt, self.stream.name, *args)


# Keywords tom-alertstreams' newer handlers take: handler(alert, alert_stream=..., topic=..., metadata=...).
HANDLER_KEYWORDS = ("alert_stream", "topic", "metadata")


def _calling_convention(function: Callable) -> tuple[str, tuple[str, ...]]:
    """How to call a handler: ("two", ()), ("one", ()) or ("keywords", names it accepts).

    Handlers written for tom-alertstreams 1.x and the TOM Toolkit take
    ``(alert, metadata)``; its GCN handlers take the Kafka message alone;
    its later handlers take the alert and keywords (``alert_stream``,
    ``topic``, ``metadata``, usually through ``**kwargs``). The signature
    tells them apart, so each gets what it was written for.
    """
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return "two", ()
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind == p.VAR_POSITIONAL for p in parameters):
        return "two", ()
    takes_any = any(p.kind == p.VAR_KEYWORD for p in parameters)
    named = [p.name for p in parameters[1:] if p.kind != p.VAR_KEYWORD and p.name in HANDLER_KEYWORDS]
    required = [p.name for p in parameters[1:] if p.default is p.empty
                and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]
    if (takes_any or {"alert_stream", "topic"} & set(named)) and set(required) <= set(HANDLER_KEYWORDS):
        return "keywords", HANDLER_KEYWORDS if takes_any else tuple(named)
    return ("one", ()) if len(positional) == 1 else ("two", ())


@dataclass
class Handler:
    """A topic's handler: its dotted path, the function, and how it wants to be called (see _calling_convention)."""

    path: str
    function: Callable
    convention: str = "two"
    keywords: tuple[str, ...] = ()
    # ``function.handle_batch([(alert, metadata), ...])``, when the handler offers it: readstreams then
    # hands it a whole batch at once (the Hermes handler does, to save per-message database work).
    batch: Callable | None = None
    # ``function.prepare_batch([(alert, metadata), ...])``, with ``batch``: the part of the batch's work that needs
    # no database, run by readstreams while the previous batch is being stored; its result (one item per
    # message) is what ``batch`` is then given instead of the pairs.
    prepare: Callable | None = None

    @classmethod
    def load(cls, path: str, key: str) -> Handler:
        if not isinstance(path, str) or "." not in path:
            raise StreamConfigError(key, f"{path!r} is not a dotted path to a function.")
        try:
            function = import_string(COMPATIBLE_PATHS.get(path, path))
        except ImportError as exc:
            raise StreamConfigError(key, f"cannot import {path!r} ({exc}){_hint(exc)}.") from None
        if not callable(function):
            raise StreamConfigError(key, f"{path!r} is not callable.")
        convention, keywords = _calling_convention(function)
        batch = getattr(function, "handle_batch", None)
        return cls(path, function, convention, keywords, batch,
                   getattr(function, "prepare_batch", None) if batch is not None else None)

    def __call__(self, alert, metadata, stream: AlertStream | None = None, topic: str = ""):
        if self.convention == "one":  # tom-alertstreams' GCN and ANTARES handlers take the message alone
            return self.function(alert)
        if self.convention == "keywords":
            given = {"alert_stream": stream, "topic": topic, "metadata": metadata}
            return self.function(alert, **{name: given[name] for name in self.keywords})
        return self.function(alert, metadata)


def _hint(exc: ImportError) -> str:
    """For a handler of the operator's own that imports a TOM Toolkit module we only know by its dotted path."""
    missing = getattr(exc, "name", None) or ""
    for theirs, ours in COMPATIBLE_PATHS.items():
        if missing and (theirs == missing or theirs.startswith(missing + ".")):
            module, name = ours.rsplit(".", 1)
            return f"; in this TOM, import it as 'from {module} import {name}'"
    return ""


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
    """One TOPIC_HANDLERS key and its handler; ``patterns`` empty: an exact topic name (or ``*``, every topic).

    A topic matches when any of the key's patterns does (see ``_topic_rule``).
    """

    key: str
    handler: Handler
    patterns: tuple[Callable[[str], object], ...] = ()

    @property
    def exact(self) -> bool:
        return not self.patterns and self.key != "*"

    def matches(self, topic: str) -> bool:
        if self.key == "*":
            return True
        return any(match(topic) for match in self.patterns) if self.patterns else topic == self.key


def _topic_rule(key, path, where: str) -> TopicRule:
    """A TOPIC_HANDLERS key read as ours and as tom-alertstreams reads it.

    - ``*``: every topic (tried last).
    - ``^...``: a regular expression that must match the whole topic name (ours).
    - a key with ``*``: tom-alertstreams' wildcard key, a regular expression
      applied with ``re.match`` (anchored at the start of the name only:
      ``gcn\\.(a|b).*``, ``hermes.*``); also, as before, a glob over the whole
      name (``hermes.*``, ``*.test``, ``gcn*heartbeat``). Either reading
      matching is enough, so a key copied from tom-alertstreams routes every
      topic it routed there, and our globs keep routing what they did.
    - a key with ``?`` or ``[`` (no ``*``): a glob (Kafka names cannot hold them).
    - anything else: an exact topic name.
    """
    if not isinstance(key, str) or not key.strip():
        raise StreamConfigError(where, "topic names must be non-empty text.")
    handler = Handler.load(path, f"{where}[{key!r}]")
    if key == "*":
        return TopicRule(key, handler)
    patterns = []
    if key.startswith("^"):  # our regular expression, over the whole name
        try:
            patterns.append(re.compile(key).fullmatch)
        except re.error as exc:
            raise StreamConfigError(f"{where}[{key!r}]", f"not a regular expression ({exc}).") from None
    elif any(c in key for c in "*?["):  # a glob such as "hermes.*"
        patterns.append(re.compile(fnmatch.translate(key)).fullmatch)
    if "*" in key:  # tom-alertstreams: re.match(key, topic) for a key with "*"
        try:
            patterns.append(re.compile(key).match)
        except re.error:
            pass  # not a regular expression ("*.test"): the glob reading alone (tom-alertstreams would fail on it)
    return TopicRule(key, handler, tuple(patterns))


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
        # exact names first, then patterns in the order given, then "*" (tom-alertstreams' order too)
        self.rules = ([r for r in rules if r.exact] + [r for r in rules if r.patterns]
                      + [r for r in rules if r.key == "*"])
        self.broken = ""  # why the connection must be reopened, set by the error callback
        self.last_error = ""  # the latest error from the broker connection (error callback) since it last answered
        self.last_log = ""  # the first connection failure librdkafka logged since the broker last answered
        self.ready = False  # connected: the broker answered and the wanted partitions are assigned

    def __str__(self) -> str:
        return self.name

    def failure(self, fallback: str = "") -> str:
        """Why the connection failed, in librdkafka's most specific words ("1/1 brokers are down" last)."""
        return self.last_error or self.last_log or self.broken or fallback

    def rule_for(self, topic: str) -> TopicRule | None:
        return next((rule for rule in self.rules if rule.matches(topic)), None)

    def wanted_topics(self, available: Iterable[str]) -> set[str]:
        """Which of the broker's topics to read: exact names, and those a pattern matches."""
        wanted = self.exact_topics() & set(available)
        for topic in available:
            if topic.startswith("__"):  # Kafka's own topics
                continue
            if any(r.matches(topic) for r in self.rules if not r.exact):
                wanted.add(topic)
        return wanted

    def exact_topics(self) -> set[str]:
        return {r.key for r in self.rules if r.exact}

    # Reading: implemented by KafkaAlertStream. ``open`` only prepares (no network wait); ``refresh_topics``
    # asks the broker, for at most ``timeout`` seconds, so the runner stays responsive to stop requests.
    def open(self, from_beginning: bool = False, only_topics: Iterable[str] = ()) -> None:
        raise NotImplementedError

    def refresh_topics(self, timeout: float) -> None:
        raise NotImplementedError

    def serve(self) -> None:
        """Run pending client callbacks (errors, log lines) while not reading."""

    def poll(self, max_messages: int, timeout: float) -> list[Message]:
        raise NotImplementedError

    def commit(self, messages: list[Message]) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    @property
    def at_end(self) -> bool:
        """True when connected and every assigned partition has been read to its end (for --until-end)."""
        raise NotImplementedError

    def lag(self) -> dict[tuple[str, int], int]:
        """Messages not handled yet per (topic, partition) this stream reads, as far as it knows without asking
        the broker (``alertstreams.metrics``); {} when it cannot tell."""
        return {}


def _partitions(pairs: Iterable[tuple[str, int]]) -> str:
    """``topic[0,2], other[1]``: partitions for a log line."""
    topics: dict[str, list[int]] = {}
    for topic, partition in sorted(pairs):
        topics.setdefault(topic, []).append(partition)
    return ", ".join(f"{topic}[{','.join(map(str, parts))}]" for topic, parts in topics.items())


class KafkaAlertStream(AlertStream):
    """Reading with a confluent-kafka consumer in the stream's consumer group, offsets stored after commit.

    Several readstreams processes with the same group id share the topics' partitions: the group coordinator
    gives each some (``_on_assign``), and moves them when a reader joins, leaves or dies. Before a partition
    goes, what this reader handled is committed synchronously (``_on_revoke``), so the next reader starts
    right after it. Messages are still handled in one transaction per batch and their offsets stored only
    after it commits; librdkafka sends the stored offsets every second, on a revoke and on close.
    """

    allowed_keys = AlertStream.allowed_keys + ("GROUP_ID", "START_POSITION")

    def __init__(self, name: str, options: dict, where: str = "OPTIONS"):
        super().__init__(name, options, where)
        position = (self.start_position or "LATEST").upper() if isinstance(self.start_position or "", str) else None
        if position not in ("EARLIEST", "LATEST"):
            raise StreamConfigError(f"{where}.START_POSITION", "must be EARLIEST or LATEST.")
        self.start_position = position
        self.consumer = None
        self.subscribed: frozenset[str] = frozenset()  # the topics asked of the group
        self.assigned: set[tuple[str, int]] = set()  # the partitions the group gave this reader
        self.active: set[tuple[str, int]] = set()  # partitions not yet read to their end
        self.settled = False  # the group has answered the last subscription or revoke with an assignment
        self.moved: set[tuple[str, int]] = set()  # revoked or lost during the current ``poll``
        self.started_from_beginning: set[tuple[str, int]] = set()  # --from-beginning applies once per partition
        # Called first thing on a revoke (readstreams: wait for the batch being stored, and store its offsets),
        # so the commit that follows includes every batch the database has committed.
        self.before_revoke: Callable[[], None] | None = None
        self.missing_reported: set[str] = set()
        self.reported: set[str] = set()  # Kafka errors already logged at WARNING on this connection

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
        """librdkafka's error callback: remember it, and ask for a reconnect when no broker answers.

        Logged at DEBUG while connecting, and for connection errors librdkafka
        retries by itself: readstreams' reconnect line gives ``last_error`` as
        its reason. Other errors, once connected, are WARNING, once each per
        connection (librdkafka repeats them).
        """
        text, code = error.str(), error.code()
        if code not in BROKER_DOWN:  # "1/1 brokers are down" says less than the error before it
            self.last_error = text
        if code in BROKER_DOWN or error.fatal():
            self.broken = text
        if not self.ready or code in CONNECTION_ERRORS or text in self.reported:
            logger.debug("%s: Kafka error: %s", self.name, text)
        else:
            self.reported.add(text)
            logger.warning("%s: Kafka error: %s", self.name, text)

    def open(self, from_beginning: bool = False, only_topics: Iterable[str] = ()) -> None:
        """Make the consumer; nothing waits on the network until ``refresh_topics``."""
        config = {
            **CONSUMER_TUNING,
            **group_tuning(),
            "error_cb": self.on_error,
            "logger": KafkaLog(self),
            "auto.offset.reset": self.start_position.lower(),
            **self.consumer_config(),
        }
        self.broken = self.last_error = self.last_log = ""
        self.ready = False
        self.reported = set()
        self.from_beginning = from_beginning
        self.only_topics = set(only_topics)
        self.subscribed = frozenset()
        self.assigned = set()
        self.active = set()
        self.settled = False
        self.moved = set()
        self.started_from_beginning = set()
        self.consumer = self.make_consumer(config)

    def refresh_topics(self, timeout: float) -> None:
        """Subscribe to the wanted topics the broker has (new topics appear while we run); the group's coordinator
        then shares their partitions among the group's readers (``_on_assign``).

        The topic list is matched here, not by librdkafka's regular expressions: TOPIC_HANDLERS keys are read as
        tom-alertstreams reads them (``re.match``) and as globs, which librdkafka's regex dialect does not
        express; a changed list is subscribed again (a rebalance, as a new topic matching a regex would cause).
        One metadata request of at most ``timeout`` seconds; ``KafkaException`` when the broker did not answer.
        """
        metadata = self.consumer.list_topics(timeout=timeout)
        self.ready, self.last_error, self.last_log = True, "", ""  # the broker answers: older errors are stale
        available = {name for name, t in metadata.topics.items() if t.error is None}
        wanted = self.wanted_topics(available)
        if self.only_topics:
            wanted &= self.only_topics
        for topic in sorted((self.exact_topics() & (self.only_topics or self.exact_topics())) - available):
            if topic not in self.missing_reported:
                logger.warning("%s: topic %s is not on the broker (yet); it will be read once it appears.",
                               self.name, topic)
                self.missing_reported.add(topic)
        if wanted != self.subscribed:
            if wanted:
                self.consumer.subscribe(sorted(wanted), on_assign=self._on_assign, on_revoke=self._on_revoke,
                                        on_lost=self._on_lost)
                logger.info("%s: reading %s (consumer group %s)", self.name, ", ".join(sorted(wanted)),
                            self.group_id)
                self.settled = False  # until the group's answer (``_on_assign``)
            else:
                self.consumer.unsubscribe()
            self.subscribed = frozenset(wanted)
        if not self.subscribed:
            self.settled = True  # nothing asked of the group: connected with nothing to read is caught up

    # Group rebalances. librdkafka calls these from inside ``consume``/``poll``, i.e. between two batches of the
    # reading loop: every message handled so far has its transaction committed and its offset stored.

    def _on_assign(self, consumer, partitions: list[confluent_kafka.TopicPartition]) -> None:
        """Partitions given to this reader: read from the group's committed offsets (or START_POSITION), or,
        with ``--from-beginning``, from the first message the first time this process gets a partition."""
        pairs = {(tp.topic, tp.partition) for tp in partitions}
        if self.from_beginning and pairs - self.started_from_beginning:
            for tp in partitions:
                if (tp.topic, tp.partition) not in self.started_from_beginning:
                    tp.offset = confluent_kafka.OFFSET_BEGINNING
            self.started_from_beginning |= pairs
            consumer.incremental_assign(partitions)  # so the offsets set here are used (else the client assigns)
        self.assigned |= pairs
        self.active |= pairs
        self.settled = True
        if pairs:
            logger.info("%s: assigned %s", self.name, _partitions(pairs))

    def _on_revoke(self, consumer, partitions: list[confluent_kafka.TopicPartition]) -> None:
        """Partitions taken away (another reader joined or left, or we close): before they go, commit what was
        handled, synchronously, so their next reader starts right after it (neither skipping nor repeating).

        A cooperative revoke comes once this reader has the rebalance's new assignment, possibly before the
        other members have theirs; until they do, the broker refuses commits (REBALANCE_IN_PROGRESS), so the
        commit is tried again for up to REVOKE_COMMIT_SECONDS. Given up on, the next reader re-reads the
        partitions from their last commit (at-least-once; the Hermes handler skips what it stored)."""
        if self.before_revoke is not None:
            self.before_revoke()
        pairs = self._forget(partitions)
        if self.broken:  # no broker to commit to: the next reader re-reads the tail (at-least-once)
            return
        deadline = time.monotonic() + REVOKE_COMMIT_SECONDS
        while True:
            try:
                consumer.commit(asynchronous=False)
                logger.info("%s: revoked %s; handled offsets committed", self.name, _partitions(pairs))
                return
            except confluent_kafka.KafkaException as exc:
                error = exc.args[0] if exc.args else None
                code = error.code() if isinstance(error, confluent_kafka.KafkaError) else None
                if code == confluent_kafka.KafkaError._NO_OFFSET:
                    logger.info("%s: revoked %s (nothing new to commit)", self.name, _partitions(pairs))
                    return
                if code == confluent_kafka.KafkaError.REBALANCE_IN_PROGRESS and time.monotonic() < deadline:
                    time.sleep(REVOKE_COMMIT_RETRY_SECONDS)  # the other members are still syncing: see above
                    continue
                # the next reader reads again from the last commit; handlers are idempotent
                logger.warning("%s: revoked %s; committing the handled offsets failed: %s", self.name,
                               _partitions(pairs), exc)
                return

    def _on_lost(self, consumer, partitions: list[confluent_kafka.TopicPartition]) -> None:
        """Partitions lost without a revoke (this reader's session expired): they may be read elsewhere already,
        so nothing is committed for them."""
        pairs = self._forget(partitions)
        logger.warning("%s: lost %s (session expired); their next reader starts from the last commit",
                       self.name, _partitions(pairs))

    def _forget(self, partitions: list[confluent_kafka.TopicPartition]) -> set[tuple[str, int]]:
        pairs = {(tp.topic, tp.partition) for tp in partitions}
        self.assigned -= pairs
        self.active -= pairs
        self.moved |= pairs
        self.settled = not self.subscribed  # else until the group's next assignment, which always follows
        return pairs

    def serve(self) -> None:
        """Run librdkafka's pending callbacks (errors, log lines), which only a poll runs. Nothing is
        subscribed before the first successful ``refresh_topics``, so this poll cannot take a message."""
        if self.consumer is not None and not self.subscribed:
            self.consumer.poll(0)

    def poll(self, max_messages: int, timeout: float) -> list[Message]:
        """Up to ``max_messages`` messages of the partitions this reader holds when the call returns.

        A rebalance runs inside ``consume``: messages it had already taken from a partition that was then
        revoked belong to the partition's next reader, and are dropped here; if the partition came back in the
        same call, it is rewound to the first of them, so none is skipped.
        """
        messages = []
        self.moved = set()
        raws = self.consumer.consume(max_messages, timeout)
        if self.moved:
            raws = self._drop_moved(raws)
        for raw in raws:
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

    def _drop_moved(self, raws: list) -> list:
        """``raws`` without the messages of partitions a rebalance moved during the ``consume`` that took them.

        A partition that came back is rewound to the first of them; if the rewind fails its messages are kept
        (handled here, and perhaps again when fetched anew: at-least-once), never skipped.
        """
        rewind: dict[tuple[str, int], int] = {}
        for raw in raws:
            key = (raw.topic(), raw.partition())
            if key in self.moved and raw.error() is None:
                rewind[key] = min(raw.offset(), rewind.get(key, raw.offset()))
        keep = set()
        for (topic, partition), offset in rewind.items():
            if (topic, partition) in self.assigned:
                try:
                    self.consumer.seek(confluent_kafka.TopicPartition(topic, partition, offset))
                except confluent_kafka.KafkaException as exc:
                    logger.warning("%s: cannot rewind %s to %d (%s); its messages are handled now", self.name,
                                   _partitions({(topic, partition)}), offset, exc)
                    keep.add((topic, partition))
        kept = [raw for raw in raws if (raw.topic(), raw.partition()) not in self.moved - keep]
        if len(kept) < len(raws):
            logger.info("%s: of the messages taken before a rebalance, %d left to their partitions' current reader",
                        self.name, len(raws) - len(kept))
        return kept

    @property
    def at_end(self) -> bool:
        # connected with nothing assigned (no wanted topic on the broker yet) is caught up too; while the group
        # has not answered (joining, or between a revoke and the next assignment) it is not
        return self.ready and self.settled and not self.active

    def lag(self) -> dict[tuple[str, int], int]:
        """High watermark (librdkafka's cached one: no broker request) minus position, per assigned partition. The
        position moves as the reading loop takes messages, which it handles and commits before taking more. A
        partition nothing was taken from yet counts 0 once read to its end, and is left out while being fetched."""
        if self.consumer is None or not self.ready or not self.assigned:
            return {}
        lag = {}
        try:
            positions = self.consumer.position([confluent_kafka.TopicPartition(t, p) for t, p in sorted(self.assigned)])
            for tp in positions:
                key = (tp.topic, tp.partition)
                if tp.offset < 0:  # nothing taken from it since it was assigned
                    if key not in self.active:
                        lag[key] = 0
                    continue
                high = self.consumer.get_watermark_offsets(tp, cached=True)[1]
                if high >= 0:
                    lag[key] = max(high - tp.offset, 0)
        except (confluent_kafka.KafkaException, RuntimeError) as exc:  # closing, or a broker gone: no figure now
            logger.debug("%s: no lag figures this time (%s)", self.name, exc)
            return {}
        return lag

    def _store(self, positions: list[tuple[str, int, int]]) -> None:
        if self.consumer is None:  # closed meanwhile: their next reader reads them again (at-least-once)
            return
        last: dict[tuple[str, int], int] = {}
        for topic, partition, offset in positions:
            last[(topic, partition)] = max(offset, last.get((topic, partition), -1))
        offsets = [confluent_kafka.TopicPartition(t, p, o + 1) for (t, p), o in last.items() if (t, p) in self.assigned]
        if len(offsets) < len(last):  # only after this reader was out of the group for too long (max.poll.interval.ms)
            logger.warning("%s: %s no longer assigned to this reader; their next reader reads them again",
                           self.name, _partitions(set(last) - self.assigned))
        try:
            if offsets:
                self.consumer.store_offsets(offsets=offsets)
        except confluent_kafka.KafkaException as exc:  # assignment lost meanwhile: at-least-once, as after a crash
            logger.warning("%s: storing offsets failed (%s); their next reader reads them again", self.name, exc)

    def commit(self, messages: list[Message]) -> None:
        """Mark messages done (their transaction has committed); librdkafka sends it within a second."""
        if messages:
            self._store([(m.topic, m.partition, m.offset) for m in messages])

    def close(self) -> None:
        """Close the consumer: its partitions are revoked (committing what was handled, ``_on_revoke``) and it
        leaves the group, so the other readers take them over at once rather than after the session timeout."""
        consumer, self.consumer = self.consumer, None
        self.ready = False
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
        # hop-client and its adc/gcn-kafka kin load here, not at the top: importing them costs up to 0.4 s
        # (hop.auth), which pages and commands that only read stream settings need not pay. No cycle involved.
        from adc.kafka import parse_kafka_url

        try:
            _user, brokers, topics = parse_kafka_url(self.url)
        except (ValueError, TypeError, AttributeError) as exc:
            raise StreamConfigError(f"{where}.URL", f"not a kafka:// URL ({exc}).") from None
        if topics:
            raise StreamConfigError(f"{where}.URL", "name topics in TOPIC_HANDLERS, not in the URL.")
        self.brokers = brokers
        has_user = _credentials(options, ("USERNAME", "PASSWORD"), where, DOCUMENTED_CREDENTIAL_VARIABLES)
        self.auth = None
        if has_user:
            from hop.auth import Auth

            self.auth = Auth(self.username, self.password)  # SCRAM-SHA-512 over TLS, as SCiMMA's brokers want
        if not has_value(self.group_id):
            self.group_id = self.default_group_id(self.username if has_user else "")

    def consumer_config(self) -> dict:
        config = {"bootstrap.servers": ",".join(self.brokers), "group.id": self.group_id}
        if self.auth is not None:
            config.update(self.auth())
        return config

    def decode(self, raw: confluent_kafka.Message) -> Message | None:
        """The message as hop's readers give it: ``alert`` a hop model (``JSONBlob`` for JSON), ``metadata`` hop's.

        A JSON message (``_format: json``, what Hermes writes) is parsed with orjson, three times as fast as
        the json module hop uses, into the same ``JSONBlob``; orjson is stricter, so what it refuses goes to
        hop's own decoder, which takes it or gives the error it always gave. So does a message with a run of
        19 digits or more: orjson reads an integer beyond 64 bits as a float, the json module exactly.
        """
        from hop.io import Consumer, Deserializer, Metadata
        from hop.models import JSONBlob

        if Consumer.is_test(raw):  # hop's readers skip test messages by default
            return None
        message = Message(raw.topic(), raw.partition(), raw.offset(), raw.headers() or [], raw.value() or b"")
        message.metadata = Metadata.from_message(raw)
        if message.header("_format") == b"json" and not has_long_number(message.value):
            try:  # Hermes' messages: the common case, parsed by orjson
                message.alert = JSONBlob(content=orjson.loads(message.value))
                return message
            except orjson.JSONDecodeError:  # what only the json module takes (NaN, huge integers), or an error
                pass
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
        has_id = _credentials(options, ("GCN_CLASSIC_CLIENT_ID", "GCN_CLASSIC_CLIENT_SECRET"), where,
                              "GCN_CLASSIC_CLIENT_ID and GCN_CLASSIC_CLIENT_SECRET")
        if not has_id and not (self.config or {}).get("bootstrap.servers"):
            raise StreamConfigError(f"{where}.GCN_CLASSIC_CLIENT_ID",
                                    "is required (or CONFIG['bootstrap.servers'] for a local broker).")
        if self.config is not None and not isinstance(self.config, dict):
            raise StreamConfigError(f"{where}.CONFIG", "must be a dict of librdkafka settings.")
        if not has_value(self.group_id):
            self.group_id = self.default_group_id()

    def consumer_config(self) -> dict:
        return {"group.id": self.group_id, **(self.config or {})}

    def make_consumer(self, config: dict):
        import gcn_kafka  # loaded only by a GCN stream (see HopskotchAlertStream.__init__)

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
        if cls.open is AlertStream.open:  # e.g. a tom-alertstreams subclass that only implements listen()
            raise StreamConfigError(f"{where}.NAME", f"{path!r} does not say how to read: readstreams reads "
                                                     "through open/refresh_topics/poll/commit (subclass "
                                                     "alertstreams.streams.KafkaAlertStream); listen() is "
                                                     "not called here.")
        streams.append(cls(path, entry.get("OPTIONS", {}), f"{where}.OPTIONS"))
    return streams
