"""Hermes messages published with hop-client exactly as Hermes writes them, and readstreams settings for them."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from hop import Stream
from hop.models import JSONBlob

ROOT = Path(__file__).resolve().parents[2]
HERMES_HANDLER = "alertstreams.hermes.hermes_alert_handler"


def photometry_row(target_name: str, n: int, **extra) -> dict:
    row = {"target_name": target_name, "date_obs": f"2026-01-{1 + n // 1000 % 28:02d}T{n // 60 % 24:02d}:{n % 60:02d}:00+00:00",
           "telescope": "LCO 1m", "instrument": "Sinistro", "bandpass": "g", "brightness": 18.0 + (n % 1000) / 1000,
           "brightness_error": 0.05, "brightness_unit": "AB mag"}
    row.update(extra)
    return row


def hermes_message(target_name: str, rows: list[dict] | None = None, targets: list[dict] | None = None,
                   spectroscopy: list[dict] | None = None, topic: str = "hermes.test") -> dict:
    """A message in Hermes' shape (WIRE.md §3)."""
    return {
        "title": f"Photometry of {target_name}", "topic": topic, "submitter": "Test TOM",
        "authors": "A. Astronomer", "message_text": "",
        "data": {"targets": targets if targets is not None else [{"name": target_name, "ra": 150.0, "dec": 2.5}],
                 "photometry": rows if rows is not None else [photometry_row(target_name, 0)],
                 **({"spectroscopy": spectroscopy} if spectroscopy else {})},
    }


def publish(broker, topic: str, messages, raw: bool = False) -> list[uuid.UUID]:
    """Publish with hop (JSON value; hop adds ``_id`` and ``_format``; ``title`` and ``_sender`` as Hermes does).

    ``raw=True``: ``messages`` are bytes sent as-is with a ``_format: json`` header (malformed input).
    """
    ids = []
    with Stream(auth=False).open(broker.topic_url(topic), "w", automatic_offload=False) as producer:
        for message in messages:
            if raw:
                message_id = uuid.uuid4()
                producer.write_raw(message, headers=[("_id", message_id.bytes), ("_format", b"json"),
                                                     ("title", b"broken"), ("_sender", b"test-tom")])
            else:
                headers = [("title", str(message.get("title", "")).encode()), ("_sender", b"test-tom")]
                producer.write(JSONBlob(content=message), headers=headers)
                message_id = uuid.UUID(bytes=dict(headers)["_id"])  # hop appended it to our list
            ids.append(message_id)
    return ids


def hopskotch(broker, topics: dict[str, str] | str, **options) -> list[dict]:
    """ALERT_STREAMS for the test broker: no credentials (a local broker), a fresh consumer group."""
    if isinstance(topics, str):
        topics = {topics: HERMES_HANDLER}
    return [{"ACTIVE": True, "NAME": "alertstreams.streams.HopskotchAlertStream", "OPTIONS": {
        "URL": broker.url, "GROUP_ID": options.pop("GROUP_ID", f"test-{uuid.uuid4().hex[:8]}"),
        "START_POSITION": "EARLIEST", "TOPIC_HANDLERS": topics, **options}}]


class ReaderTom:
    """A TOM of ours in its own data directory, for running readstreams as a real process."""

    def __init__(self, data_dir: Path):
        self.env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
        self.env.update({"TOM_DATA_DIR": str(data_dir), "TOM_NAME": "Reader TOM", "LOG_LEVEL": "WARNING",
                         "DJANGO_SETTINGS_MODULE": "tom.settings", "HOP_AUTOMATIC_OFFLOAD": "false",
                         "PYTHONUNBUFFERED": "1", "ALERT_STREAMS_SESSION_SECONDS": "3"})  # see tests/settings.py

    def manage(self, *args, alert_streams=None) -> list[str]:
        env = dict(self.env)
        if alert_streams is not None:
            env["ALERT_STREAMS_JSON"] = json.dumps(alert_streams)
        return [sys.executable, str(ROOT / "manage.py"), *args], env

    def run(self, *args, alert_streams=None, timeout=120, **kwargs) -> subprocess.CompletedProcess:
        command, env = self.manage(*args, alert_streams=alert_streams)
        return subprocess.run(command, env=env, cwd=ROOT, timeout=timeout, capture_output=True, text=True, check=False,
                              **kwargs)

    def popen(self, *args, alert_streams=None) -> subprocess.Popen:
        command, env = self.manage(*args, alert_streams=alert_streams)
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)

    def python(self, code: str):
        """Run ``code`` in this TOM's Django shell; it prints one JSON value, returned here."""
        result = self.run("shell", "-c", code)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def reader_tom(tmp_path_factory):
    tom = ReaderTom(tmp_path_factory.mktemp("reader-tom"))
    result = tom.run("migrate", "-v0", timeout=300)
    assert result.returncode == 0, result.stderr
    return tom
