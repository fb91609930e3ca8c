"""``manage.py streams_configured``: prints ``yes`` when ALERT_STREAMS has an active stream, else ``no``.

What ``make serve`` asks before it starts a ``readstreams`` process (which would stop at once, and with it every
other process honcho runs, without a stream to read). A misconfigured ALERT_STREAMS fails here, naming the key,
so the stack does not start on it.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from alertstreams.streams import StreamConfigError, load_streams


class Command(BaseCommand):
    help = "Print yes if ALERT_STREAMS has an active stream (readstreams has something to read), else no."
    requires_system_checks = []

    def handle(self, *args, **options):
        try:
            streams = load_streams()
        except StreamConfigError as exc:
            raise CommandError(f"ALERT_STREAMS is misconfigured: {exc}") from None
        self.stdout.write("yes" if streams else "no")
