"""``manage.py readstreams``: read every active ``ALERT_STREAMS`` entry and hand each message to its handler."""
from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from alertstreams.metrics import serve as serve_metrics
from alertstreams.runner import Runner
from alertstreams.streams import StreamConfigError, load_streams


class Command(BaseCommand):
    help = ("Read the configured alert streams (ALERT_STREAMS) and ingest their messages. "
            "SIGTERM or Ctrl-C finishes the current message, commits and exits.")

    def add_arguments(self, parser):
        parser.add_argument("--stream", action="append", default=[], metavar="NAME",
                            help="Only this stream (its NAME, or the class name); repeatable.")
        parser.add_argument("--topic", action="append", default=[], metavar="TOPIC",
                            help="Only this topic; repeatable.")
        parser.add_argument("--from-beginning", action="store_true",
                            help="Read the topics from their first message, whatever was committed.")
        parser.add_argument("--max-messages", type=int, metavar="N", help="Stop after N messages.")
        parser.add_argument("--max-seconds", type=float, metavar="T", help="Stop after T seconds.")
        parser.add_argument("--until-end", action="store_true",
                            help="Stop once every topic has been read to its end (catching up a backlog).")
        parser.add_argument("--progress-seconds", type=float, default=30.0, metavar="S",
                            help="Print a progress line every S seconds (default 30).")
        parser.add_argument("--metrics-port", type=int, default=0, metavar="PORT",
                            help="Serve Prometheus metrics (messages handled, lag, datums stored) on this port "
                                 "(default 0: none).")
        parser.add_argument("--metrics-address", default="127.0.0.1", metavar="ADDRESS",
                            help="The address the metrics port listens on (default 127.0.0.1: this machine only).")

    def handle(self, *args, **options):
        try:
            streams = load_streams()
        except StreamConfigError as exc:
            raise CommandError(f"ALERT_STREAMS is misconfigured: {exc}") from None
        if options["stream"]:
            wanted = set(options["stream"])
            streams = [s for s in streams if s.name in wanted or s.name.rsplit(".", 1)[-1] in wanted]
            if not streams:
                raise CommandError(f"--stream: no active stream named {', '.join(sorted(wanted))}.")
        if not streams:
            raise CommandError("ALERT_STREAMS has no active stream: nothing to read.")
        for name in ("max_messages", "max_seconds", "progress_seconds"):
            if options[name] is not None and options[name] <= 0:
                raise CommandError(f"--{name.replace('_', '-')} must be positive.")
        for name in ("ALERT_STREAMS_RETRY_SECONDS", "ALERT_STREAMS_RETRY_MAX_SECONDS", "ALERT_STREAMS_SESSION_SECONDS"):
            if getattr(settings, name) <= 0:
                raise CommandError(f"{name} must be positive.")
        if not 0 <= options["metrics_port"] <= 65535:
            raise CommandError("--metrics-port must be between 1 and 65535 (0: no metrics).")
        if options["metrics_port"]:
            try:
                serve_metrics(options["metrics_port"], options["metrics_address"])
            except OSError as exc:
                raise CommandError(f"--metrics-port: cannot listen on {options['metrics_address']}:"
                                   f"{options['metrics_port']} ({exc.strerror or exc}).") from None
        runner = Runner(streams, from_beginning=options["from_beginning"], topics=options["topic"],
                        max_messages=options["max_messages"], max_seconds=options["max_seconds"],
                        until_end=options["until_end"], progress_seconds=options["progress_seconds"],
                        retry_seconds=settings.ALERT_STREAMS_RETRY_SECONDS,
                        retry_max_seconds=settings.ALERT_STREAMS_RETRY_MAX_SECONDS,
                        say=lambda line: self.stdout.write(line, ending="\n") or self.stdout.flush())
        previous = {sig: signal.signal(sig, runner.request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        self.stdout.write(f"Reading {', '.join(s.name for s in streams)}.")
        self.stdout.flush()
        try:
            progress = runner.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if progress.steady():  # before the last line, which stays "Stopped: ..."
            self.stdout.write("Steady: " + progress.steady())
        self.stdout.write("Stopped: " + progress.line())
