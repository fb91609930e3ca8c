"""Reading every configured stream until told to stop: the loop behind ``manage.py readstreams``.

Guarantees, in order of importance:

- **Nothing lost, nothing doubled.** A batch of messages is handled in one
  database transaction and its offsets are stored only after that
  transaction commits; a crash replays the uncommitted tail, and handlers are
  idempotent (the Hermes handler records each message id in the same
  transaction as its data).
- **One bad message never stops a stream.** When a batch fails, its messages
  are handled one at a time, each retried a bounded number of times; a
  message that still fails is kept as a ``DeadLetter`` and skipped.
- **A dead broker is noticed and retried with backoff**: one line per
  reconnect attempt, with the reason and the wait, which doubles from
  ``retry_seconds`` up to ``retry_max_seconds``.
- **SIGTERM / SIGINT** finish the current message (or batch, for a handler
  that takes batches: at most ``BATCH_SIZE`` messages, well under a second),
  commit, and return. Nothing else blocks for long: waiting for a broker is
  done in steps of ``METADATA_SECONDS``, so a stop request or ``max_seconds``
  is honoured within about a second, even while a broker does not answer.

All streams are read from one thread, in turn: handlers write to one
database, and SQLite takes one writer at a time anyway. The database work
(handlers, transactions, retries, dead letters) runs on a second thread, one
batch at a time, while the reading thread takes and parses the next batches
(``Runner.run``); offsets are stored by the reading thread, batch by batch,
once each batch's transaction has committed, and before any revoke's commit.
"""
from __future__ import annotations

import logging
import sys
import time
import traceback
import uuid
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import confluent_kafka
from django.db import close_old_connections, connection, transaction
from django.utils.translation import ngettext

from dataproducts import provenance
from dataproducts.models import Origin
from sharing.continuous import queue as sharing_queue

from . import metrics
from .models import DeadLetter
from .streams import AlertStream, Message

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
RETRY_DELAY = 0.2  # seconds before the 2nd attempt; doubled for each further one
TOPIC_REFRESH_SECONDS = 30
METADATA_SECONDS = 0.5  # the longest one metadata request may block the loop
CONNECT_SECONDS = 10.0  # a connection attempt whose broker has not answered by then has failed
BATCH_SIZE = 500
# Batches handed to the database thread and not yet stored (one in its transaction, the next waiting): the
# reading thread can read and parse ahead while the database thread waits on the server.
PIPELINE_DEPTH = 2
# How long a thread may hold the GIL while the other waits for it (Python's default: 5 ms). The database
# thread's answer from the server waits that long for the reading thread, several times a batch.
SWITCH_SECONDS = 0.001
INFLIGHT_POLL_SECONDS = 0.05  # the longest poll while a batch handed to the database thread is being stored
DATABASE_THREAD_VENDORS = {"postgresql"}  # databases whose batches are stored by a thread of their own (Runner.run)


def _reason(exc: Exception) -> str:
    """A KafkaException's own words ("Failed to get metadata: ..."), not the repr of the KafkaError inside."""
    error = exc.args[0] if exc.args else None
    return error.str() if isinstance(error, confluent_kafka.KafkaError) else str(exc)


def _reset_connection() -> None:
    """After a database error: drop a connection that went bad (not inside an outer transaction, e.g. a test's)."""
    if not connection.in_atomic_block:
        close_old_connections()


def _close_connection() -> None:
    """Close the calling thread's database connection (the database thread's, when it is done)."""
    connection.close()


class BadMessage(Exception):
    """Raised by a handler for a message no retry can fix (not JSON, not the expected shape): dead-lettered at once."""


@dataclass
class Progress:
    messages: int = 0
    errors: int = 0  # failed attempts
    dead_letters: int = 0
    started: float = field(default_factory=time.monotonic)
    cpu_started: float = field(default_factory=time.process_time)
    # The steady rate, without the start (connecting, the group's first join): from the first message taken
    # from a broker to the last one handled.
    first_taken: float | None = None
    last_handled: float = 0.0

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        cpu = time.process_time() - self.cpu_started  # all threads: on a busy machine, the honest cost
        counted = (ngettext("%(count)d message", "%(count)d messages", self.messages) % {"count": self.messages},
                   ngettext("%(count)d error", "%(count)d errors", self.errors) % {"count": self.errors},
                   ngettext("%(count)d dead letter", "%(count)d dead letters", self.dead_letters)
                   % {"count": self.dead_letters})
        return (f"{counted[0]} in {elapsed:.1f} s ({self.messages / elapsed:,.0f}/s, "
                f"{cpu:.1f} s CPU), {counted[1]}, {counted[2]}")

    def steady(self) -> str:
        """The rate without the start (connecting, the group's first join), or "" before two batches."""
        if not self.messages or self.first_taken is None or self.last_handled <= self.first_taken:
            return ""
        span = self.last_handled - self.first_taken
        return (f"{self.messages / span:,.0f} messages/s from the first message taken to the last handled "
                f"({span:.1f} s)")


@dataclass
class _Connection:
    stream: AlertStream
    failures: int = 0  # failed attempts in a row
    retry_at: float = 0.0
    give_up_at: float = 0.0  # while connecting: when this attempt counts as failed
    refreshed: float = 0.0
    unhandled_topics: set = field(default_factory=set)


class Runner:
    def __init__(self, streams: list[AlertStream], *, from_beginning: bool = False, topics=(),
                 max_messages: int | None = None, max_seconds: float | None = None, until_end: bool = False,
                 progress_seconds: float = 30.0, retry_seconds: float = 1.0, retry_max_seconds: float = 60.0,
                 say: Callable[[str], None] = logger.info, pipeline: bool | None = None):
        self.connections = [_Connection(s) for s in streams]
        self.retry_seconds = retry_seconds
        self.retry_max_seconds = retry_max_seconds
        self.from_beginning = from_beginning
        self.topics = tuple(topics)
        self.max_messages = max_messages
        self.max_seconds = max_seconds
        self.until_end = until_end
        self.progress_seconds = progress_seconds
        self.say = say
        self.progress = Progress()
        self.stopping = False
        self.lag = metrics.LagReporter()
        # A thread of its own for the database work (see ``run``); None: everything on the calling thread.
        self.pipeline = pipeline
        self._worker: ThreadPoolExecutor | None = None
        # Batches handed to the database thread whose offsets are not stored yet, oldest first, with their sizes.
        self._inflight: deque[tuple[_Connection, int, Future]] = deque()

    def request_stop(self, *_args) -> None:
        """For SIGTERM/SIGINT: the message being handled is finished and committed, then ``run`` returns."""
        self.stopping = True

    def _taken(self) -> int:
        """Messages handled, and those of the batches handed to the database thread."""
        return self.progress.messages + sum(size for _, size, _ in self._inflight)

    def _limit_reached(self) -> bool:
        if self.max_messages is not None and self._taken() >= self.max_messages:
            return True
        return self.max_seconds is not None and time.monotonic() - self.progress.started >= self.max_seconds

    def run(self) -> Progress:
        last_line = time.monotonic()
        poll_timeout = min(0.5, 1.0 / max(len(self.connections), 1))
        # Batches are stored by a thread of their own (one transaction at a time, its own connection) while
        # this one reads and parses the next: the database server's work and ours overlap (psycopg's waits
        # let the other thread run). Only for a database server (DATABASE_THREAD_VENDORS): SQLite's work is
        # done in this process, on the same core, so there is nothing to overlap, and the second thread cost
        # about 8% of the rate. Not inside a caller's transaction (a test's): only this thread's connection
        # sees it.
        pipeline = self.pipeline
        if pipeline is None:
            pipeline = connection.vendor in DATABASE_THREAD_VENDORS and not connection.in_atomic_block
        switch_interval = sys.getswitchinterval()
        if pipeline:
            sys.setswitchinterval(SWITCH_SECONDS)
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="readstreams-database")
            for conn in self.connections:
                conn.stream.before_revoke = self._finish
        try:
            while not self.stopping and not self._limit_reached():
                busy = False
                for conn in self.connections:
                    if self.stopping or self._limit_reached():
                        break
                    # While a batch is being stored, poll briefly: its offsets and counts are recorded (and its
                    # messages show as handled) within INFLIGHT_POLL_SECONDS of its commit, not a whole poll later.
                    busy |= self._step(conn, INFLIGHT_POLL_SECONDS if self._inflight else poll_timeout)
                if self.until_end and all(c.stream.consumer is not None and c.stream.at_end
                                          for c in self.connections):
                    break
                if not busy and all(c.stream.consumer is None for c in self.connections):
                    time.sleep(0.2)  # every stream waits to retry its broker
                if time.monotonic() - last_line >= self.progress_seconds:
                    self.say(self.progress.line())
                    last_line = time.monotonic()
                while self._inflight and self._inflight[0][2].done():
                    self._finish_oldest()  # its offsets now, not with a later batch (which may be long in coming)
                self.lag.update(c.stream for c in self.connections if c.stream.consumer is not None)
        finally:
            try:
                self._finish()  # the batch being stored: its offsets go with the commit on close
            finally:
                for conn in self.connections:
                    conn.stream.close()
                    conn.stream.before_revoke = None
                if self._worker is not None:
                    self._worker.submit(_close_connection).result()
                    self._worker.shutdown()
                    self._worker = None
                    sys.setswitchinterval(switch_interval)
        return self.progress

    def _step(self, conn: _Connection, timeout: float) -> bool:
        """Open, connect, refresh or read one stream once, blocking at most about a second; True when
        messages were handled."""
        stream, now = conn.stream, time.monotonic()
        if stream.consumer is None:
            if now < conn.retry_at:
                return False
            try:
                stream.open(self.from_beginning, self.topics)
            except (confluent_kafka.KafkaException, ValueError, OSError) as exc:
                self._disconnect(conn, _reason(exc))
                return False
            conn.give_up_at = now + CONNECT_SECONDS
        if not stream.ready:
            self._connect(conn)
            return False
        if stream.broken:
            self._disconnect(conn, stream.failure())
            return False
        if now - conn.refreshed >= TOPIC_REFRESH_SECONDS:
            conn.refreshed = now
            try:
                stream.refresh_topics(METADATA_SECONDS)
            except confluent_kafka.KafkaException as exc:  # a dead broker shows through ``broken``
                logger.debug("%s: no topic list this time (%s); asking again later.", stream, _reason(exc))
        limit = BATCH_SIZE if self.max_messages is None else min(BATCH_SIZE, self.max_messages - self._taken())
        try:
            batch = stream.poll(limit, timeout)
        except confluent_kafka.KafkaException as exc:
            self._disconnect(conn, stream.failure(_reason(exc)))
            return False
        if batch:
            if self.progress.first_taken is None:
                self.progress.first_taken = time.monotonic()
            self._handle_batch(conn, batch)
        else:
            self._finish()
        return bool(batch)

    def _connect(self, conn: _Connection) -> None:
        """Ask the broker for its topics once (at most METADATA_SECONDS); past CONNECT_SECONDS, or once no
        broker answers at all, the attempt has failed."""
        stream = conn.stream
        try:
            stream.refresh_topics(METADATA_SECONDS)
        except confluent_kafka.KafkaException as exc:
            stream.serve()  # runs the error callback, which says whether any broker answers
            if stream.broken:
                self._disconnect(conn, stream.failure())
            elif time.monotonic() >= conn.give_up_at:
                self._disconnect(conn, f"no answer in {CONNECT_SECONDS:g} s: {stream.failure(_reason(exc))}")
            return
        conn.refreshed = time.monotonic()
        if conn.failures:
            self.say(f"{stream}: " + ngettext("connected again after %(count)d failed attempt.",
                                              "connected again after %(count)d failed attempts.", conn.failures)
                     % {"count": conn.failures})
        conn.failures = 0

    def _disconnect(self, conn: _Connection, reason: str) -> None:
        """Close the consumer and say so, in one line: why, how long until the next attempt, which attempt."""
        delay = min(self.retry_seconds * 2 ** min(conn.failures, 32), self.retry_max_seconds)
        conn.failures += 1
        self.progress.errors += 1
        self.say(f"{conn.stream}: broker unreachable ({reason}); retrying in {delay:g} s "
                 f"(attempt {conn.failures + 1}).")
        self._finish()
        conn.stream.close()  # up to ALERT_STREAMS_SESSION_SECONDS when offsets wait for a broker that is gone
        conn.retry_at = time.monotonic() + delay

    # Handling

    def _handle(self, conn: _Connection, message: Message) -> None:
        if message.skip:
            return
        rule = conn.stream.rule_for(message.topic)
        if rule is None:
            if message.topic not in conn.unhandled_topics:
                logger.warning("%s: no handler for topic %s; its messages are skipped.", conn.stream, message.topic)
                conn.unhandled_topics.add(message.topic)
            return
        if message.decode_error:
            raise BadMessage(message.decode_error)
        # A handler that writes ReducedDatum rows itself (the TOM Toolkit's way) writes stream data: never
        # published back to Hermes (sharing.echoes), and traceable to this message.
        where = provenance.Provenance(Origin.STREAM, stream_message=f"{message.topic} @{message.partition}:{message.offset}")
        with provenance.using(where):
            rule.handler(message.alert, message.metadata, conn.stream, message.topic)

    def _plan(self, conn: _Connection, batch: list[Message]) -> list[tuple[str, list[Message], object]]:
        """The batch cut into steps: ("skip" | "dead" | "one", [message], None) or ("batch", run, items) for a
        run of consecutive messages of one batch handler, ``items`` what its ``prepare_batch`` made of them
        (else the (alert, metadata) pairs). No database work: this runs on the reading thread."""
        steps = []
        i = 0
        while i < len(batch):
            message = batch[i]
            rule = conn.stream.rule_for(message.topic)
            if message.skip:
                steps.append(("skip", [message], None))
            elif message.decode_error:  # no attempt can help: set aside without failing the batch
                steps.append(("dead", [message], None))
            elif rule is not None and rule.handler.batch is not None:
                run = [message]  # the following messages of the same handler, handed over together
                while (i + len(run) < len(batch) and not batch[i + len(run)].decode_error
                       and not batch[i + len(run)].skip
                       and conn.stream.rule_for(batch[i + len(run)].topic) is rule):
                    run.append(batch[i + len(run)])
                items = [(m.alert, m.metadata) for m in run]
                if rule.handler.prepare is not None:
                    try:
                        items = rule.handler.prepare(items)
                    except Exception:  # noqa: BLE001 - the handler meets it again, and the batch's fallback acts
                        pass
                steps.append(("batch", run, (rule, items)))
            else:
                steps.append(("one", [message], None))
            i += len(steps[-1][1])
        return steps

    def _handle_batch(self, conn: _Connection, batch: list[Message]) -> None:
        """Handle a batch: plan it here, store it (one transaction) on the database thread when there is one,
        while this thread reads and plans the next; its offsets are stored once its transaction committed."""
        steps = self._plan(conn, batch)
        if self._worker is None:
            self._record(conn, *self._store_batch(conn, batch, steps))
            return
        while len(self._inflight) >= PIPELINE_DEPTH:
            self._finish_oldest()
        self._inflight.append((conn, len(batch), self._worker.submit(self._store_batch, conn, batch, steps)))

    def _finish(self) -> None:
        """Wait for every batch handed to the database thread, storing each one's offsets as it commits."""
        while self._inflight:
            self._finish_oldest()

    def _finish_oldest(self) -> None:
        """Wait for the oldest batch handed over, then store its offsets (only now: its transaction has
        committed). The database thread stores batches in the order they were handed over."""
        conn, _, future = self._inflight.popleft()
        self._record(conn, *future.result())

    def _record(self, conn: _Connection, done: list[Message], dead_letters: int) -> None:
        conn.stream.commit(done)
        self.progress.messages += len(done)
        self.progress.last_handled = time.monotonic()
        metrics.record_batch(conn.stream.name, done, dead_letters)

    def _store_batch(self, conn: _Connection, batch: list[Message], steps) -> tuple[list[Message], int]:
        """The batch's database work, in one transaction; if anything fails, its messages one at a time.
        Returns the messages handled (to commit) and how many of them became dead letters."""
        done: list[Message] = []
        dead_before = self.progress.dead_letters
        try:
            with sharing_queue.batched(), transaction.atomic():
                for kind, run, extra in steps:
                    if self.stopping:
                        break
                    if kind == "dead":
                        self._dead_letter(conn, run[0], run[0].decode_error, 1)
                    elif kind == "batch":
                        rule, items = extra
                        rule.handler.batch(items)
                    elif kind == "one":
                        self._handle(conn, run[0])
                    done.extend(run)
        except Exception:  # noqa: BLE001 - any handler failure: retry the messages one by one
            _reset_connection()
            self.progress.dead_letters = dead_before  # rolled back with the batch
            done = []
            for message in batch:
                if self.stopping:
                    break
                self._handle_alone(conn, message)
                done.append(message)
        return done, self.progress.dead_letters - dead_before

    def _handle_alone(self, conn: _Connection, message: Message) -> None:
        error = ""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with sharing_queue.batched(), transaction.atomic():
                    self._handle(conn, message)
                return
            except BadMessage as exc:
                error = str(exc)
                self.progress.errors += 1
                break
            except Exception as exc:  # noqa: BLE001 - a handler's failure must not stop the stream
                error = "".join(traceback.format_exception_only(exc)).strip()
                self.progress.errors += 1
                logger.warning("%s: %s[%s]@%s failed (attempt %s of %s): %s", conn.stream, message.topic,
                               message.partition, message.offset, attempt, MAX_ATTEMPTS, error)
                _reset_connection()
                if attempt < MAX_ATTEMPTS:
                    time.sleep(RETRY_DELAY * 2 ** (attempt - 1))
        self._dead_letter(conn, message, error, attempt)

    def _dead_letter(self, conn: _Connection, message: Message, error: str, attempts: int) -> None:
        rule = conn.stream.rule_for(message.topic)
        message_id = message.header("_id")
        if isinstance(message_id, bytes) and len(message_id) == 16:
            message_id = str(uuid.UUID(bytes=message_id))
        elif isinstance(message_id, bytes):
            message_id = message_id.decode("utf-8", errors="replace")
        headers = [[key, value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)]
                   for key, value in message.headers if key != "_id"]
        DeadLetter.objects.get_or_create(
            stream=conn.stream.name, topic=message.topic, partition=message.partition, offset=message.offset,
            defaults={"message_id": (message_id or "")[:64], "headers": headers, "value": message.value,
                      "handler": rule.handler.path if rule else "", "error": error, "attempts": attempts},
        )
        self.progress.dead_letters += 1
        logger.error("%s: %s[%s]@%s kept as a dead letter after %s: %s", conn.stream, message.topic,
                     message.partition, message.offset,
                     ngettext("%(count)d attempt", "%(count)d attempts", attempts) % {"count": attempts}, error)
