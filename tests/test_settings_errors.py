"""A bad setting in the environment stops manage.py (check, readstreams, runserver) and gunicorn with one
line naming the variable and a non-zero exit: no traceback, and never the value of a variable that may hold
credentials."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# variable, value, words the one line must hold
BAD_SETTINGS = [
    ("ALERT_STREAMS_JSON", '{not json', "ALERT_STREAMS_JSON is not valid JSON"),
    ("TOM_TASKS_BACKEND", "bogus", "TOM_TASKS_BACKEND must be one of database, immediate"),
    ("TARGET_LIST_PAGE_SIZE", "abc", "TARGET_LIST_PAGE_SIZE must be a whole number"),
    ("DATA_PRODUCT_MAX_BYTES", "1e5", "DATA_PRODUCT_MAX_BYTES must be a whole number"),
    ("CONTINUOUS_SHARING_RETRY_SECONDS", "nan", "CONTINUOUS_SHARING_RETRY_SECONDS must be a number"),
    ("CONTINUOUS_SHARING_CLAIM_SECONDS", "60", "CONTINUOUS_SHARING_CLAIM_SECONDS must be longer than 2 × SHARING"),
    ("ALERT_STREAMS_RETRY_MAX_SECONDS", "soon", "ALERT_STREAMS_RETRY_MAX_SECONDS must be a number"),
    ("LOG_LEVEL", "chatty", "LOG_LEVEL must be one of DEBUG, INFO"),
    ("SESSION_COOKIE_SECURE", "ture", "SESSION_COOKIE_SECURE must be true or false"),
    ("STORAGE_BACKEND", "s3", "STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME"),  # and no bucket named
    ("DATABASE_URL", "nonsense://tom:db-secret-pw@127.0.0.1/tom", "DATABASE_URL is not a database URL"),
    ("DATABASE_URL", "postgres://tom:db-secret-pw@127.0.0.1:port-typo/tom", "DATABASE_URL is not a database URL"),
]
SECRETS = ("db-secret-pw", "stream-secret-pw")


def environment(tmp_path: Path, name: str, value: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env.update({"TOM_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tom.settings", name: value})
    return env


def assert_one_line(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith("Error: ") and words in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not any(secret in result.stderr + result.stdout for secret in SECRETS)


@pytest.mark.parametrize("command", [["check"], ["readstreams"], ["runserver", "127.0.0.1:0", "--noreload"]])
@pytest.mark.parametrize("name, value, words", BAD_SETTINGS)
def test_a_bad_setting_stops_manage_py_with_one_line_naming_it(tmp_path, command, name, value, words):
    result = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=environment(tmp_path, name, value),
                            capture_output=True, text=True, timeout=120)
    assert_one_line(result, words)


def test_alert_streams_json_with_a_password_is_never_quoted_back(tmp_path):
    value = '[{"NAME": "alertstreams.streams.HopskotchAlertStream", "OPTIONS": {"PASSWORD": "stream-secret-pw",}}]'
    result = subprocess.run([sys.executable, "manage.py", "readstreams"], cwd=ROOT,
                            env=environment(tmp_path, "ALERT_STREAMS_JSON", value),
                            capture_output=True, text=True, timeout=120)
    assert_one_line(result, "ALERT_STREAMS_JSON is not valid JSON")


def test_gunicorn_stops_with_one_line_instead_of_restarting_workers(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = subprocess.run([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                             "tom.wsgi:application"], cwd=ROOT,
                            env=environment(tmp_path, "ALERT_STREAMS_JSON", "{not json"),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert errors == ["Error: ALERT_STREAMS_JSON is not valid JSON: Expecting property name enclosed in double "
                      "quotes: line 1 column 2 (char 1)"], result.stderr
    assert "Traceback" not in result.stderr and "App failed to load" in result.stderr
