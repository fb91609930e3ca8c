"""``manage.py sweep_orphaned_files [--older-than HOURS] [--dry-run]``: delete files no data product refers to.

What an upload killed mid-processing leaves behind (see ``dataproducts.orphans``). Safe to schedule
(cron, a systemd timer): the grace period (24 hours by default) keeps the files of uploads still being
processed, and files other models refer to are never touched.
"""
from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from dataproducts.orphans import sweep_orphaned_files


class Command(BaseCommand):
    help = "Delete stored files that no row refers to and that are older than a grace period."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=float, default=24.0, metavar="HOURS",
                            help="only files last written more than this many hours ago (default 24)")
        parser.add_argument("--dry-run", action="store_true", help="list them, delete nothing")

    def handle(self, *args, older_than: float = 24.0, dry_run: bool = False, **options):
        if older_than < 0:
            raise CommandError("--older-than must be 0 or more hours.")
        names = sweep_orphaned_files(timedelta(hours=older_than), dry_run=dry_run)
        for name in names:
            self.stdout.write(("would delete " if dry_run else "deleted ") + name)
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(ngettext("%(count)d orphaned file %(verb)s.", "%(count)d orphaned files %(verb)s.",
                                   len(names)) % {"count": len(names), "verb": verb})
