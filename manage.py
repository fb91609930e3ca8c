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
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
