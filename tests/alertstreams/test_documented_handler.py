"""The handler example in docs/alert-streams.md ("Writing a handler"), read from the page and run by readstreams.

The page is the source: the example is taken from it as written, imported as the module it says it is, and
fed real messages through the loopback broker, so the documentation cannot drift from what works.
"""
from __future__ import annotations

import re
import sys
from io import StringIO

import pytest
from django.core.management import call_command

from alertstreams.models import DeadLetter
from dataproducts.models import ReducedDatum
from tests.servers import ROOT

from .conftest import hermes_message, hopskotch, photometry_row, publish

pytestmark = pytest.mark.django_db


def documented_handler_module() -> tuple[str, str, str]:
    """(module path, function, source) of the example under "Writing a handler"."""
    page = (ROOT / "docs" / "alert-streams.md").read_text()
    source = re.search(r"^## Writing a handler$.*?```python\n(.*?)```", page, re.S | re.M).group(1)
    dotted = re.search(r'in TOPIC_HANDLERS as "([\w.]+)"', source).group(1)
    module, _, function = dotted.rpartition(".")
    return module, function, source


@pytest.fixture
def documented_handler(tmp_path, monkeypatch):
    module, function, source = documented_handler_module()
    path = tmp_path.joinpath(*module.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield f"{module}.{function}"
    for name in [m for m in sys.modules if m == module or module.startswith(f"{m}.")]:
        sys.modules.pop(name, None)


def test_the_documented_handler_runs_as_the_page_says(settings, kafka_broker, target, documented_handler):
    topic = kafka_broker.new_topic("hermes")
    publish(kafka_broker, topic, [
        hermes_message(target.name, [photometry_row(target.name, n) for n in range(3)]),
        hermes_message(target.name, []),  # no photometry: skipped
    ])
    publish(kafka_broker, topic, [b"[1, 2, 3]"], raw=True)  # JSON, but not an object: a BadMessage
    settings.ALERT_STREAMS = hopskotch(kafka_broker, {topic: documented_handler})
    out = StringIO()
    call_command("readstreams", "--until-end", "--max-seconds", "60", stdout=out)
    assert "3 messages" in out.getvalue()
    assert ReducedDatum.objects.filter(target=target, source_name=f"Hermes:{topic}").count() == 3
    letter = DeadLetter.objects.get(topic=topic)
    assert f"not a JSON object on {topic}" in letter.error and letter.handler == documented_handler
    assert letter.attempts == 1  # "a dead letter at once, no retries"
