"""manage.py import_toolkit DATABASE [--media-root DIR] [--dry-run]: bring a TOM Toolkit's data here."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ...services import import_toolkit
from ...source import SourceError


class Command(BaseCommand):
    help = ("Import a TOM Toolkit (2.x or 3.x): users with their passwords, groups, targets, aliases, extra "
            "fields, target lists, reduced data, data product files and permissions. Run it with --dry-run "
            "first; running it again changes nothing.")

    def add_arguments(self, parser):
        parser.add_argument("database", help="the TOM Toolkit's SQLite file, or a postgres:// URL of its database")
        parser.add_argument("--media-root", help="its MEDIA_ROOT folder, where its data product files are "
                                                 "(default: data/ beside a SQLite file, as tom_setup makes it)")
        parser.add_argument("--dry-run", action="store_true",
                            help="show what would be imported and skipped, and write nothing")
        parser.add_argument("--progress-every", type=float, default=5.0, metavar="SECONDS",
                            help="seconds between progress lines on long runs (default 5)")

    def handle(self, *args, database: str, media_root=None, dry_run=False, progress_every=5.0, verbosity=1,
               **options):
        write = self.stdout.write if verbosity > 0 else (lambda line: None)
        try:
            report, seconds = import_toolkit(database, media_root=media_root, dry_run=dry_run, write=write,
                                             progress_every=progress_every)
        except SourceError as exc:
            raise CommandError(str(exc)) from None
        if verbosity > 0:
            for line in report.lines(dry_run=dry_run, limit=None if verbosity > 1 else 50):
                self.stdout.write(line)
            self.stdout.write("")
        self.stdout.write(report.outcome(dry_run, seconds))
