"""The production stack as an operator starts it: ``make serve`` on PostgreSQL (issue 15's "Done when").

One run of the real processes (honcho running the Procfile: gunicorn with two workers, the database task
worker, readstreams) with the database task backend, a second TOM of ours as the ``DATA_SHARING``
destination and the mock Kafka broker: a target shared continuously receives an uploaded light curve and a
Hermes message, both reach the second TOM through the worker, the metrics count them, and SIGTERM to honcho
stops every process. It needs PostgreSQL, so it runs in .ci/run's PostgreSQL pass.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import requests
from confluent_kafka import Producer
from prometheus_client.parser import text_string_to_metric_families

from tests.alertstreams.conftest import hermes_message, hopskotch, photometry_row, publish
from tests.continuous.peers import wait_for
from tests.servers import ROOT, free_port, own_postgres_database, start_our_tom
from core.production import DEMO_SECRET_KEY

VENV = Path(sys.prefix)
PEER_PASSWORD = "serve-peer-pw-" + secrets.token_hex(4)
ALICE_PASSWORD = "serve-alice-pw-" + secrets.token_hex(4)
METRICS_TOKEN = secrets.token_urlsafe(24)
POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def serve_environment(**settings: str) -> dict[str, str]:
    """This machine's environment without anything of the test run's own TOM, plus ``settings``."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR", "PORT")
           and not k.startswith(("LOCALHOST_TOM_", "MAKE", "MFLAGS"))}
    env.update(settings)
    return env


def make_serve(env: dict[str, str], log) -> subprocess.Popen:
    """``make serve`` with this test run's virtualenv (already installed: -o keeps make from reinstalling it)."""
    return subprocess.Popen(["make", "--no-print-directory", "-o", f"{VENV}/.installed", "serve", f"VENV={VENV}"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def test_make_serve_refuses_a_public_tom_on_the_demo_secret_key(tmp_path):
    env = serve_environment(TOM_DATA_DIR=str(tmp_path), DEBUG="false", ALLOWED_HOSTS="tom.example.org",
                            PORT=str(free_port()), SECRET_KEY=DEMO_SECRET_KEY)
    with open(tmp_path / "serve.log", "w+") as log:
        process = make_serve(env, log)
        assert process.wait(120) != 0
        log.seek(0)
        output = log.read()
    assert "Error: SECRET_KEY: it is the demo key" in output
    assert "Starting" not in output and "started (pid=" not in output  # nothing was started


def systemd_environment_file(text: str) -> dict[str, str]:
    """``text`` read as systemd reads an ``EnvironmentFile=``: a ``#`` starts a comment only at the start of a line
    (``A=1  # note`` sets A to ``1  # note``); quotes around a value are dropped, text after them is kept."""
    env = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        name, value = (part.strip() for part in line.split("=", 1))
        if value[:1] in ("'", '"') and value.find(value[0], 1) > 0:
            end = value.find(value[0], 1)
            value = value[1:end] + value[end + 1:].strip()
        env[name] = value
    return env


def test_check_deploy_is_clean_with_the_environment_file_of_docs_deploy(tmp_path):
    """The ``tom.env`` of docs/deploy.md, read the way systemd reads it (own secrets in place of the placeholders)."""
    block = re.search(r"`/etc/tom/tom.env`.*?```sh\n(.*?)```", (ROOT / "docs" / "deploy.md").read_text(), re.DOTALL)
    env = systemd_environment_file(block.group(1))
    assert env["DEBUG"] == "false" and env["ALLOWED_HOSTS"] == "tom.example.org" and env["LOG_FORMAT"] == "json"
    env.update(SECRET_KEY=secrets.token_urlsafe(50), METRICS_TOKEN=secrets.token_urlsafe(24),
               TOM_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="tom.settings")
    del env["DATABASE_URL"]  # check --deploy does not need the database
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG") or k.startswith("LC_")}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                            env={**keep, **env}, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def two_free_ports(distance: int) -> int:
    """A free port whose neighbour ``distance`` above is free too (honcho gives the reader PORT + 200)."""
    while True:
        port = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + distance))
                return port
            except OSError:
                continue


@pytest.fixture
def serve_database():
    """A database of its own on the test run's PostgreSQL server, dropped afterwards."""
    with own_postgres_database("tom_serve") as url:
        yield url


@pytest.fixture
def serve_log(tmp_path):
    """Where make serve's processes write (honcho prefixes each line with the process's name)."""
    with open(tmp_path / "serve.log", "w+") as log:
        yield log


def make_topic(broker, topic: str) -> None:
    """Create ``topic`` by producing a hop test message to it (readers skip those)."""
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    producer.produce(topic, b"{}", headers=[("_id", uuid.uuid4().bytes), ("_test", b"true")])
    assert producer.flush(10) == 0


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def metric(text: str, name: str, **labels) -> float | None:
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and labels.items() <= s.labels.items():
                return s.value
    return None


@pytest.mark.skipif(not POSTGRES, reason="the production stack runs on PostgreSQL: .ci/run's PostgreSQL pass "
                                         "(DATABASE_URL=postgres://...) runs this test")
def test_make_serve_shares_continuously_and_reads_a_stream_on_postgresql(tmp_path, kafka_broker, serve_database,
                                                                         serve_log):
    peer = start_our_tom(tmp_path / "b", "TOM B", PEER_PASSWORD)
    port = two_free_ports(200)
    topic = kafka_broker.new_topic("hermes")
    make_topic(kafka_broker, topic)  # there when readstreams starts: it looks for new topics only every 30 s
    name = f"SN 2026srv{uuid.uuid4().hex[:4]}"
    env = serve_environment(
        TOM_DATA_DIR=str(tmp_path / "a"), DATABASE_URL=serve_database, TOM_NAME="Serve TOM", PORT=str(port),
        SECRET_KEY=secrets.token_urlsafe(50), TOM_TASKS_BACKEND="database", WEB_CONCURRENCY="2", WEB_THREADS="2",
        TASK_WORKER_INTERVAL="0.2", CONTINUOUS_SHARING_RETRY_SECONDS="1", METRICS_TOKEN=METRICS_TOKEN,
        LOCALHOST_TOM_BASE_URL=peer.url, LOCALHOST_TOM_DISPLAY_NAME="TOM B", LOCALHOST_TOM_USERNAME=peer.username,
        LOCALHOST_TOM_PASSWORD=PEER_PASSWORD, HOP_AUTOMATIC_OFFLOAD="false", LOG_LEVEL="INFO",
        ALERT_STREAMS_JSON=json.dumps(hopskotch(kafka_broker, topic)))
    url = f"http://127.0.0.1:{port}/"
    log = serve_log
    make = make_serve(env, log)
    alice = requests.Session()
    alice.auth = ("alice", ALICE_PASSWORD)
    try:
        wait_for(lambda: make.poll() is not None or _healthy(url, port), seconds=150, every=0.5,
                 what="make serve to answer /healthz/")
        assert make.poll() is None, _tail(log)
        subprocess.run([sys.executable, "manage.py", "createsuperuser", "--noinput", "--username", "alice",
                        "--email", "alice@example.org"], cwd=ROOT, check=True, timeout=120, capture_output=True,
                       env={**env, "DJANGO_SUPERUSER_PASSWORD": ALICE_PASSWORD})

        # A target, shared continuously with TOM B: the target goes at once, through the worker.
        target = call(alice, "POST", url + "api/targets/", json={"name": name, "type": "SIDEREAL", "ra": 150.0,
                                                                 "dec": 2.5})["id"]
        call(alice, "POST", url + "targets/persistentshare/", json={
            "target": target, "destination": "localhost-tom", "share_existing_data": True})
        remote = wait_for(lambda: _remote_target(peer, name), seconds=90, what="the target to reach TOM B")

        # A light curve uploaded on the target's page, logged in as a person is.
        upload_on_page(url, target, rows=40)
        wait_for(lambda: _datum_count(peer, remote) == 40, seconds=90, what="the 40 uploaded datums at TOM B")

        # A Hermes message on the stream: readstreams stores it, the worker sends it on.
        publish(kafka_broker, topic, [hermes_message(name, [photometry_row(name, n, bandpass="r") for n in range(3)],
                                                     topic=topic)])
        wait_for(lambda: _datum_count(peer, remote) == 43, seconds=90, what="the streamed datums at TOM B")
        assert call(alice, "GET", url + "api/reduceddatums/", params={"target__id": target, "limit": 1})["count"] == 43

        scraped = requests.get(url + "metrics/", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=30)
        assert metric(scraped.text, "tom_datums_stored_total", route="upload") == 40  # summed over both workers
        assert metric(scraped.text, "tom_deliveries_waiting", destination="localhost-tom") == 0
        assert metric(scraped.text, "tom_deliveries_failed", destination="localhost-tom") == 0

        def reader(name: str, **labels) -> float | None:
            """A metric of the reader's own (its metrics server is on port + 200), read now."""
            return metric(requests.get(f"http://127.0.0.1:{port + 200}/metrics", timeout=30).text, name, **labels)

        assert reader("tom_datums_stored_total", route="stream") == 3
        # hop's test message (skipped) and the Hermes message; on PostgreSQL a batch is counted by the reading
        # thread once the database thread has committed it, which may come just after its datums were shared
        wait_for(lambda: reader("tom_stream_messages_handled_total", topic=topic) == 2,
                 seconds=30, every=0.2, what="the reader to count both messages as handled")
        # lag is read from the broker every few seconds (alertstreams.metrics.LAG_SECONDS): wait for the next reading
        wait_for(lambda: reader("tom_stream_lag_messages", topic=topic) == 0,
                 seconds=60, every=1, what="the reader's lag of 0 messages")
        static = requests.get(url + "static/plotly/plotly.min.js", headers={"Accept-Encoding": "gzip"}, timeout=30)
        assert static.ok and static.headers["Content-Encoding"] == "gzip"  # collected, compressed, served
    finally:
        alice.close()
        output = stop(make, log)
        peer.stop()
    started = re.findall(r"(\w+)\.\d+ started \(pid=(\d+)\)", output)
    assert sorted(kind for kind, _ in started) == ["reader", "web", "worker"], output[-3000:]
    assert not [pid for _, pid in started if alive(int(pid))], "every process ends on SIGTERM"
    assert make.returncode is not None and not _listening(port)
    assert "SIGKILL" not in output, output[-3000:]  # each stopped within honcho's grace period


def stop(make: subprocess.Popen, log) -> str:
    """SIGTERM to honcho (make's child), as a supervisor would send it; its output."""
    honcho = children(make.pid)
    for pid in honcho:
        os.kill(pid, signal.SIGTERM)
    try:
        make.wait(60)
    except subprocess.TimeoutExpired:
        os.killpg(make.pid, signal.SIGKILL)
        make.wait(10)
    log.seek(0)
    return log.read()


def call(session: requests.Session, method: str, url: str, **kwargs) -> dict:
    response = session.request(method, url, timeout=60, **kwargs)
    assert response.status_code < 400, f"{method} {url}: {response.status_code} {response.text[:500]}"
    return response.json()


def upload_on_page(url: str, target: int, rows: int) -> None:
    with requests.Session() as browser:
        browser.get(url + "accounts/login/", timeout=60)
        answer = browser.post(url + "accounts/login/", timeout=60, data={
            "username": "alice", "password": ALICE_PASSWORD, "csrfmiddlewaretoken": browser.cookies["csrftoken"]})
        assert answer.ok and "sessionid" in browser.cookies, answer.status_code
        text = "mjd,filter,magnitude,error\n" + "".join(f"{60000 + i * 0.01:.5f},g,{15 + i / 100:.3f},0.02\n"
                                                         for i in range(rows))
        answer = browser.post(url + f"dataproducts/target/{target}/upload/", timeout=60,
                              data={"data_product_type": "photometry",
                                    "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
                              files={"file": ("night.csv", text.encode(), "text/csv")})
        assert answer.status_code == 200, answer.text[:500]


def _healthy(url: str, port: int) -> bool:
    """/healthz/ answers 200 (a first answer may be slow on a busy machine: not yet, rather than an error)."""
    if not _listening(port):
        return False
    try:
        return requests.get(url + "healthz/", timeout=10).ok
    except requests.RequestException:
        return False


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _remote_target(peer, name: str) -> int | None:
    found = peer.get("api/targets/", name=name)["results"]
    return found[0]["id"] if found else None


def _datum_count(peer, target: int) -> int:
    return peer.get("api/reduceddatums/", target__id=target, limit=1)["count"]


def _tail(log) -> str:
    log.seek(0)
    return log.read()[-3000:]
