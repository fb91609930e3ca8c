"""Logs: one line per event; ``LOG_FORMAT=json`` gives one JSON object per line, tracebacks inside it."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from django.test import Client

from tests.servers import ROOT

# An error with a traceback, a message spread over lines, a Python warning, a thread's crash, then a crash nobody
# catches.
EVENTS = """
import logging, threading, warnings
log = logging.getLogger("tom.test")
try:
    {}["missing"]
except KeyError:
    log.exception("The import failed on row %d", 7)
log.warning("first line\\nsecond line")
warnings.warn("an old API", UserWarning)
def fail():
    raise ValueError("a thread's end")
thread = threading.Thread(target=fail, name="poller")
thread.start()
thread.join()
raise RuntimeError("nobody caught this")
"""


def run_events(tmp_path, log_format: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"TOM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tom.settings", "LOG_FORMAT": log_format})
    return subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", EVENTS], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_json_logs_are_one_object_per_line_with_the_traceback_inside(tmp_path):
    result = run_events(tmp_path, "json")
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    events = [json.loads(line) for line in lines]  # every line of stderr parses
    by_message = {e["message"]: e for e in events}
    error = by_message["The import failed on row 7"]
    assert error["level"] == "ERROR" and error["logger"] == "tom.test" and error["time"].endswith("+00:00")
    assert "Traceback (most recent call last)" in error["exc"] and "KeyError: 'missing'" in error["exc"]
    assert by_message["first line\nsecond line"]["level"] == "WARNING"
    assert any("UserWarning: an old API" in e["message"] and e["logger"] == "py.warnings" for e in events)
    crash = next(e for e in events if e["logger"] == "tom.uncaught" and "thread" not in e["message"])
    assert crash["level"] == "CRITICAL" and "RuntimeError: nobody caught this" in crash["exc"]
    in_thread = by_message["Uncaught ValueError in thread poller: a thread's end"]
    assert in_thread["logger"] == "tom.uncaught" and "ValueError" in in_thread["exc"]
    assert len(events) == 5


def test_the_gunicorn_master_logs_its_own_crash_as_json(tmp_path):
    """gunicorn's master never loads the app, so tom/gunicorn.py itself routes a crash there through its logging."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env["LOG_FORMAT"] = "json"
    script = ("import logging.config, threading\nfrom tom import gunicorn\n"
              "logging.config.dictConfig(gunicorn.logconfig_dict)\n"
              "threading.Thread(target=lambda: 1 / 0, name='reaper').start()\nraise OSError('master')\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    events = [json.loads(line) for line in result.stderr.splitlines()]
    assert [(e["logger"], e["level"]) for e in events] == [("tom.uncaught", "CRITICAL")] * 2
    assert "ZeroDivisionError" in events[0]["exc"] and "OSError: master" in events[1]["exc"]


def test_text_logs_keep_each_event_on_one_line(tmp_path):
    result = run_events(tmp_path, "text")
    lines = result.stderr.splitlines()
    error = next(line for line in lines if line.startswith("The import failed on row 7"))
    assert "Traceback (most recent call last)" in error and "KeyError: 'missing'" in error
    assert "first line ⏎ second line" in lines


def test_a_request_has_an_id_in_its_answer_and_its_log_lines(db, caplog):
    response = Client().get("/no-such-page/")
    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    record = next(r for r in caplog.records if r.name == "django.request")
    from core.logs import JsonFormatter

    line = json.loads(JsonFormatter().format(record))
    assert (line["request_id"], line["method"], line["path"], line["status"]) == (
        request_id, "GET", "/no-such-page/", 404)
    assert Client().get("/no-such-page/", HTTP_X_REQUEST_ID="from-the-proxy-42")["X-Request-ID"] == "from-the-proxy-42"
    hostile = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="a b\"<script>")["X-Request-ID"]
    assert len(hostile) == 32 and "<" not in hostile  # not a plain token: replaced
