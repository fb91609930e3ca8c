#!/usr/bin/env python
"""Django's command-line utility for this TOM.

DJANGO_SETTINGS_MODULE is respected, so an operator can keep a
``local_settings.py`` that does ``from tom.settings import *`` and adds
``DATA_SHARING`` (as the TOM Toolkit documentation shows).
"""
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tom.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # imports the settings module now, so its errors are caught here
    except ImproperlyConfigured as exc:
        # A bad setting (e.g. ALERT_STREAMS_JSON that is not JSON) names itself in one line; Django would
        # print a traceback, or for a command of ours, "Unknown command".
        sys.exit(f"Error: {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
