"""Two real ``db_worker`` processes on one PostgreSQL database deliver each batch once, and one killed mid-batch
loses nothing: the other sends its batch once the claim expires.

The sending TOM (gunicorn, two workers, PostgreSQL) shares many targets continuously with a receiving TOM of
ours behind a small recording proxy in this process. The receiver stores a datum once however often it comes, so
the proxy is what counts: every datum of every bulk POST, and whether that POST was answered.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import requests
from django.db import connection

from sharing.continuous import delivery
from sharing.models import Delivery, PersistentShare
from tests.continuous.peers import PEER_PASSWORD, Tom, light_curve, wait_for
from tests.servers import ROOT, end_process, own_postgres_database

POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
pytestmark = pytest.mark.skipif(not POSTGRES, reason="two workers racing for rows is a PostgreSQL matter: the "
                                                     "PostgreSQL pass (DATABASE_URL=postgres://...) runs this test")

DEADLINE = 4  # SHARING_DEADLINE_SECONDS of the sender: a batch takes at most two of these
CLAIM = 10  # CONTINUOUS_SHARING_CLAIM_SECONDS: more than a batch can take
BULK = "/api/reduceddatums/bulk/"


class RecordingProxy(ThreadingHTTPServer):
    """Forwards everything to ``upstream``; records the datums of each bulk POST and whether it was answered.

    ``hold`` set: the next bulk POST is recorded, never forwarded, and kept open until ``release`` (a receiver
    that hangs mid-batch); then its connection is closed without an answer.
    """

    daemon_threads = True

    def __init__(self, upstream: str):
        super().__init__(("127.0.0.1", 0), _Forward)
        self.upstream = upstream.rstrip("/")
        self.lock = threading.Lock()
        self.posts: list[tuple[list[str], bool]] = []  # (datum fingerprints, answered 200)
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.release = threading.Event()
        self.held: set[str] = set()
        self.url = f"http://127.0.0.1:{self.server_address[1]}/"

    def record(self, fingerprints: list[str], ok: bool) -> None:
        with self.lock:
            self.posts.append((fingerprints, ok))


class _Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # the sender keeps its connection alive

    def log_message(self, *args):
        pass

    def _forward(self):
        proxy: RecordingProxy = self.server
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        fingerprints = None
        if self.command == "POST" and urlsplit(self.path).path == BULK:
            sent = json.loads(body)
            fingerprints = [f"{sent['target']}|{d['timestamp']}|{json.dumps(d['value'], sort_keys=True)}"
                            for d in sent["datums"]]
            if proxy.hold.is_set() and not proxy.holding.is_set():
                proxy.held = set(fingerprints)
                proxy.holding.set()
                proxy.release.wait(60)
                proxy.record(fingerprints, False)
                self.close_connection = True
                return
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "connection", "content-length", "accept-encoding")}
        try:
            answer = requests.request(self.command, proxy.upstream + self.path, data=body, headers=headers,
                                      timeout=30, allow_redirects=False)
        except requests.RequestException:
            if fingerprints is not None:
                proxy.record(fingerprints, False)
            self.close_connection = True
            return
        try:
            self.send_response(answer.status_code)
            for name in ("Content-Type", "Location"):
                if name in answer.headers:
                    self.send_header(name, answer.headers[name])
            self.send_header("Content-Length", str(len(answer.content)))
            self.end_headers()
            self.wfile.write(answer.content)
            ok = answer.status_code == 200
        except OSError:
            ok = False
        if fingerprints is not None:
            proxy.record(fingerprints, ok)

    do_GET = do_POST = do_PATCH = do_PUT = _forward


@pytest.fixture
def sender_database():
    """A database of its own for the sending TOM, on the test run's PostgreSQL server, dropped afterwards."""
    with own_postgres_database("tom_workers") as url:
        yield url


def start_worker(tom: Tom, worker_id: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "db_worker", "--interval", "0.1",
                             "--no-startup-delay", "--no-reload", "--worker-id", worker_id, "-v0"],
                            env=tom.env, cwd=ROOT)


def sent_more_than_once(posts: list[tuple[list[str], bool]]) -> list[str]:
    """Datums POSTed again although an earlier POST of them was answered (a retry after a failure is fine)."""
    delivered: set[str] = set()
    twice = []
    for fingerprints, ok in posts:
        twice += [f for f in fingerprints if f in delivered]
        if ok:
            delivered.update(fingerprints)
    return twice


def test_two_workers_send_each_datum_once_and_take_over_a_killed_workers_batch(tmp_path: Path, sender_database):
    receiver = Tom(tmp_path / "b", "TOM B")
    sender = Tom(tmp_path / "a", "TOM A", database_url=sender_database)
    sender.env.update({"SHARING_DEADLINE_SECONDS": str(DEADLINE), "CONTINUOUS_SHARING_CLAIM_SECONDS": str(CLAIM)})
    for tom in (receiver, sender):
        tom.data_dir.mkdir(parents=True)
    proxy = RecordingProxy(receiver.url)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    workers: dict[str, subprocess.Popen] = {}
    try:
        receiver.configure({})
        sender.configure({"b": {"DISPLAY_NAME": "TOM B", "BASE_URL": proxy.url, "USERNAME": "peer",
                                "PASSWORD": PEER_PASSWORD}})
        receiver.start()
        sender.start()
        # Many shares, data arriving for each several times, queued before the workers start: each share's tasks
        # are next to each other in the queue, so both workers run tasks of the same share at the same moment.
        names = [f"SN 2026w{i}" for i in range(6)]
        targets, shares = [], []
        for i, name in enumerate(names):
            targets.append(sender.create_target(name, ra=10.0 + i))
            shares.append(sender.share_continuously(targets[-1], "b"))
            for night in range(4):
                sender.upload_photometry(targets[-1], light_curve(15, 60000 + 10 * i + night), f"n{night}.csv")
        workers = {name: start_worker(sender, name) for name in ("w1", "w2")}
        wait_for(lambda: all(sender.share_state(s)["waiting"] == 0 for s in shares), seconds=60,
                 what="every delivery to be sent")
        remote = [receiver.target_id(name) for name in names]
        assert [receiver.datum_count(r) for r in remote] == [60] * 6
        assert sum(len(f) for f, ok in proxy.posts if ok) >= 360
        assert sent_more_than_once(proxy.posts) == []
        with psycopg.connect(sender_database) as db:
            ran = {w for (ids,) in db.execute("SELECT worker_ids FROM django_tasks_database_dbtaskresult "
                                              "WHERE status = 'SUCCESSFUL'") for w in ids}
        assert ran == {"w1", "w2"}, "both workers should have run deliveries"

        # The receiver hangs mid-batch; the worker sending it is killed; the other sends it once the claim expires.
        proxy.hold.set()
        sender.upload_photometry(targets[0], light_curve(10, 61000), "late.csv")
        assert proxy.holding.wait(30), "a worker should have started sending the batch"

        def running() -> list:  # the worker holding the batch runs its task; others only run briefly
            with psycopg.connect(sender_database) as db:
                rows = db.execute("SELECT worker_ids FROM django_tasks_database_dbtaskresult "
                                  "WHERE status = 'RUNNING'").fetchall()
            return rows if len(rows) == 1 else []

        victim = wait_for(running, seconds=10, what="one running task")[0][0][-1]
        workers[victim].send_signal(signal.SIGKILL)
        workers[victim].wait(10)
        proxy.hold.clear()
        proxy.release.set()
        wait_for(lambda: receiver.datum_count(remote[0]) == 70, seconds=CLAIM + 30,
                 what="the other worker to send the killed worker's batch")
        assert len(proxy.held) == 10 and any(proxy.held <= set(f) for f, ok in proxy.posts if ok)
        assert sent_more_than_once(proxy.posts) == []
        wait_for(lambda: sender.share_state(shares[0])["waiting"] == 0, seconds=30, what="the batch to be marked sent")
        with psycopg.connect(sender_database) as db:
            statuses = {s for (s,) in db.execute("SELECT DISTINCT status FROM sharing_delivery")}
        assert statuses == {"sent"}
    finally:
        for process in workers.values():
            end_process(process)
        sender.stop_all()
        receiver.stop_all()
        proxy.shutdown()
        proxy.server_close()


@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_rows_another_worker_is_claiming_instead_of_waiting_for_them(target, settings):
    """A worker never queues behind another's claim (nor deadlocks with it): it takes what is free now."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    share = PersistentShare.objects.create(target=target, destination="nowhere")
    rows = [Delivery.objects.create(share=share).pk for _ in range(3)]
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], password=db["PASSWORD"],
                         dbname=db["NAME"]) as other:
        other.execute("SELECT id FROM sharing_delivery WHERE id = %s FOR UPDATE", [rows[0]])  # mid-claim there
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # waiting for that lock would fail the claim
        try:
            _, claimed = delivery._claim(share)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET lock_timeout")
        assert sorted(d.pk for d in claimed) == rows[1:]
        other.rollback()  # the other worker's claim went nowhere: the row is free again
    _, claimed = delivery._claim(share)
    assert [d.pk for d in claimed] == rows[:1]
    _, claimed = delivery._claim(share)
    assert claimed == []  # all three held now, until their claims expire
