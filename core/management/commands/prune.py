"""``manage.py prune``: delete finished records past their retention (``PRUNE_*_DAYS``; core/pruning.py)."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from core.pruning import cutoff, delete_in_batches, pruners


class Command(BaseCommand):
    help = ("Delete old finished records: task results, sent deliveries, and (when their PRUNE_*_DAYS is set) "
            "share records, ingested message ids and dead letters. Safe to run on a schedule, beside the TOM.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")
        parser.add_argument("--batch-size", type=int, default=1000, metavar="N",
                            help="Rows deleted per transaction (default 1000).")

    def handle(self, *args, dry_run: bool = False, batch_size: int = 1000, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        chosen = [(p, getattr(settings, p.setting, 0)) for p in pruners()]
        for pruner, days in chosen:  # every setting checked before anything is deleted
            if not isinstance(days, int) or days < 0:
                raise CommandError(f"{pruner.setting} must be a whole number of days (0 keeps them), not {days!r}.")
        for pruner, days in chosen:
            if not days:
                self.stdout.write(f"{pruner.name}: kept ({pruner.setting}=0)")
                continue
            before = cutoff(days)
            rows = pruner.rows(before)
            count = rows.count() if dry_run else delete_in_batches(rows, batch_size)
            verb = "would be deleted" if dry_run else "deleted"
            self.stdout.write(f"{pruner.name}: {count:,} {verb} ({pruner.older_than} {before:%Y-%m-%d %H:%M} UTC, "
                              f"{pruner.setting}={days})")
            self.stdout.flush()
        if dry_run:
            self.stdout.write(ngettext("Dry run: nothing was deleted (%(count)d kind of record checked).",
                                       "Dry run: nothing was deleted (%(count)d kinds of record checked).",
                                       len(chosen)) % {"count": len(chosen)})
