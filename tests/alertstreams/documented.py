"""The TOM Toolkit's documentation, word for word (shared/docs/stream-pub-sub.rst, and the issue's own
``INSTALLED_APPS +=`` line), and a settings module that uses it as a user's local_settings.py would."""
from __future__ import annotations

from pathlib import Path

INSTALLED_APPS_LINE = "INSTALLED_APPS += ['tom_alertstreams']"

ALERT_STREAMS_BLOCK = """\
ALERT_STREAMS = [
    {
        'ACTIVE': True,
        'NAME': 'tom_alertstreams.alertstreams.hopskotch.HopskotchAlertStream',
        'OPTIONS': {
            'URL': 'kafka://kafka.scimma.org/',
            'USERNAME': os.getenv('SCIMMA_CREDENTIAL_USERNAME', 'set SCIMMA_CREDENTIAL_USERNAME value in environment'),
            'PASSWORD': os.getenv('SCIMMA_CREDENTIAL_PASSWORD', 'set SCIMMA_CREDENTIAL_USERNAME value in environment'),
            'TOPIC_HANDLERS': {
                'tomtoolkit.test': 'tom_dataproducts.alertstreams.hermes.hermes_alert_handler',
            },
        },
    },
]
"""

CREDENTIAL_VARIABLES = ("SCIMMA_CREDENTIAL_USERNAME", "SCIMMA_CREDENTIAL_PASSWORD")


def write_settings(directory: Path, *documented: str, test_lines: str = "") -> dict[str, str]:
    """A ``toolkit_user_settings`` module as the documentation has users write it, then the test's own lines
    (kept apart and commented); the environment that selects it."""
    text = "\n\n".join(["from tom.settings import *  # noqa: F401,F403\nimport os", *documented])
    if test_lines:
        text += "\n\n# This test's own lines, after the documentation's:\n" + test_lines
    (directory / "toolkit_user_settings.py").write_text(text + "\n")
    return {"DJANGO_SETTINGS_MODULE": "toolkit_user_settings", "PYTHONPATH": str(directory)}
