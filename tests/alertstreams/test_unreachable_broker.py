"""readstreams as a real process against brokers that are not there: a port nobody listens on, one that
accepts connections and never answers, and a real broker that dies mid-read. One line per reconnect attempt,
growing and capped waits, librdkafka's own log through Python logging, and --max-seconds and SIGTERM honoured
within about a second.

The time bounds are generous functional bounds against a hang (the old code ran 10 s past --max-seconds 8),
not measurements."""
from __future__ import annotations

import re
import signal
import socket
import subprocess
import time
from dataclasses import dataclass

import pytest

from tests.kafka.fixtures import start_broker, stop_broker

from .conftest import ROOT, hopskotch, publish

HANDLER = "tests.alertstreams.handlers.record"

ATTEMPT = re.compile(r"^(?P<stream>\S+): broker unreachable \((?P<reason>.+)\); "
                     r"retrying in (?P<delay>[\d.]+) s \(attempt (?P<attempt>\d+)\)\.$")
STOPPED = re.compile(r"^Stopped: \d+ messages? in (?P<seconds>[\d.]+) s")
LIBRDKAFKA_RAW = re.compile(r"^%\d\|\d+\.\d+\|")  # librdkafka's own stderr format: %3|1700000000.123|FAIL|...


@pytest.fixture
def free_port():
    """A loopback port nobody listens on (bound, read, released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def silent_broker():
    """A loopback port that accepts TCP connections (the kernel's backlog) and never answers a byte."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


@dataclass
class Run:
    lines: list[str]
    returncode: int
    first_line_at: float  # when "Reading ..." came: the run's own clock starts there
    ended_at: float

    @property
    def stopped_after(self) -> float:
        """The run's own account of its length, from its last line."""
        return float(STOPPED.match(self.lines[-1])["seconds"])


@dataclass
class Address:
    """Where ALERT_STREAMS points (``hopskotch`` reads ``.url``): a loopback port with no broker behind it."""

    port: int

    @property
    def url(self) -> str:
        return f"kafka://127.0.0.1:{self.port}/"


def start(reader_tom, port: int, *args: str, **env: str) -> subprocess.Popen:
    """readstreams against 127.0.0.1:port, without system checks (only its own output), stderr into stdout."""
    command, environment = reader_tom.manage("readstreams", "--skip-checks", *args,
                                             alert_streams=hopskotch(Address(port), "hermes.test"))
    environment.update({"LOG_LEVEL": "INFO", **env})  # INFO: what an operator sees by default
    return subprocess.Popen(command, env=environment, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def finish(process: subprocess.Popen, first_line: str = "", first_line_at: float = 0.0, timeout: float = 60) -> Run:
    try:
        if not first_line:
            first_line, first_line_at = process.stdout.readline(), time.monotonic()
        rest = process.communicate(timeout=timeout)[0]
    finally:
        if process.poll() is None:
            process.kill()
    return Run((first_line + rest).splitlines(), process.returncode, first_line_at, time.monotonic())


def test_an_unreachable_broker_gives_one_line_per_attempt_with_growing_capped_waits(reader_tom, free_port):
    seconds = 8
    run = finish(start(reader_tom, free_port, "--max-seconds", str(seconds),
                       ALERT_STREAMS_RETRY_SECONDS="1", ALERT_STREAMS_RETRY_MAX_SECONDS="2"))
    assert run.returncode == 0, run.lines
    assert run.lines[0].startswith("Reading ") and STOPPED.match(run.lines[-1]), run.lines
    attempts = [ATTEMPT.match(line) for line in run.lines[1:-1]]
    assert all(attempts), "only start, one line per attempt and stop expected; got:\n" + "\n".join(run.lines)
    assert not any(LIBRDKAFKA_RAW.match(line) for line in run.lines)
    # waits double from 1 s and stop growing at 2 s (attempts come at about 0.5, 2, 4.5 and 7 s)
    delays = [float(m["delay"]) for m in attempts]
    assert len(delays) >= 3, run.lines
    assert delays == [min(2.0 ** n, 2.0) for n in range(len(delays))], delays
    assert [int(m["attempt"]) for m in attempts] == list(range(2, len(attempts) + 2))  # the attempt to come
    assert all("Connection refused" in m["reason"] for m in attempts)  # librdkafka's reason, not "1/1 brokers down"
    # --max-seconds is honoured within about a second, and the process is gone soon after
    assert run.stopped_after <= seconds + 1
    assert run.ended_at - run.first_line_at <= seconds + 3


def test_librdkafkas_own_log_reaches_python_logging_not_raw_stderr(reader_tom, free_port):
    run = finish(start(reader_tom, free_port, "--max-seconds", "2", LOG_LEVEL="DEBUG"))
    assert run.returncode == 0, run.lines
    routed = [line for line in run.lines if ": librdkafka FAIL [rdkafka#consumer-" in line]
    assert routed and "Connection refused" in routed[0], run.lines  # at DEBUG: chatter our own line reports
    assert not any(LIBRDKAFKA_RAW.match(line) for line in run.lines)


def test_a_broker_that_never_answers_fails_the_attempt_after_10_s_and_max_seconds_still_ends_the_run(
        reader_tom, silent_broker):
    seconds = 12  # the first attempt gives up at 10 s; the run ends inside the second
    run = finish(start(reader_tom, silent_broker, "--max-seconds", str(seconds)))
    assert run.returncode == 0 and STOPPED.match(run.lines[-1]), run.lines
    assert len(run.lines) == 3 and ATTEMPT.match(run.lines[1]), run.lines
    # ours or librdkafka's words for it, whichever gave up first (both wait 10 s)
    assert re.search(r"no answer in 10 s|Timed out ApiVersionRequest", ATTEMPT.match(run.lines[1])["reason"])
    assert run.stopped_after <= seconds + 1
    assert run.ended_at - run.first_line_at <= seconds + 3


@pytest.mark.parametrize("broker", ["free_port", "silent_broker"])
def test_sigterm_stops_promptly_while_waiting_for_a_broker(reader_tom, broker, request):
    """A refusing port: SIGTERM lands in the 30 s wait before the next attempt. A silent one: in the
    connection attempt itself, which may wait 10 s for an answer."""
    process = start(reader_tom, request.getfixturevalue(broker),
                    ALERT_STREAMS_RETRY_SECONDS="30", ALERT_STREAMS_RETRY_MAX_SECONDS="30")
    try:
        first = process.stdout.readline()
        assert first.startswith("Reading "), first
        if broker == "free_port":
            line = process.stdout.readline()
            assert "retrying in 30 s (attempt 2)" in line, line
        else:
            time.sleep(1.5)  # well inside the first connection attempt
        process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        run = finish(process, first, sent, timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert run.returncode == 0 and STOPPED.match(run.lines[-1]), run.lines
    assert run.ended_at - sent <= 5, f"exited {run.ended_at - sent:.1f} s after SIGTERM"


def test_a_broker_that_dies_mid_read_is_reported_and_sigterm_still_stops_promptly(reader_tom):
    """With offsets stored, closing the consumer waits for the group coordinator to take them; with the broker
    gone that wait is bounded (it was 45 s, librdkafka's session timeout)."""
    broker = start_broker()
    try:
        topic = broker.new_topic("dies")
        publish(broker, topic, [{"n": 1}])
        command, environment = reader_tom.manage("readstreams", "--skip-checks", "--progress-seconds", "0.2",
                                                 alert_streams=hopskotch(broker, {topic: HANDLER}))
        environment.update(ALERT_STREAMS_RETRY_SECONDS="30", ALERT_STREAMS_RETRY_MAX_SECONDS="30")
        process = subprocess.Popen(command, env=environment, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        seen = [process.stdout.readline()]
        while not seen[-1].startswith("1 message in"):  # handled, and its offset stored
            seen.append(process.stdout.readline())
            assert seen[-1], seen
    finally:
        stop_broker(broker)
    try:
        gone = time.monotonic()
        while "broker unreachable" not in seen[-1]:
            seen.append(process.stdout.readline())
            assert seen[-1] and time.monotonic() - gone < 30, seen
        assert "retrying in 30 s (attempt 2)" in seen[-1], seen[-1]
        process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        run = finish(process, "".join(seen), sent, timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert run.returncode == 0 and run.lines[-1].startswith("Stopped: 1 message in"), run.lines
    assert run.ended_at - sent <= 8, f"exited {run.ended_at - sent:.1f} s after SIGTERM"
