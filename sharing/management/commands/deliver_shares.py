"""``manage.py deliver_shares``: send every continuous-share delivery that is due, now, in this process.

The worker (``manage.py db_worker``) normally does this as tasks arrive. This
command is for what no task will pick up: deliveries left "sending" by a
worker that was killed mid-batch (taken over after ``delivery.claim_timeout()``),
and, with the immediate task backend, retries after an outage (run it from
cron). It waits for nothing: shares still backing off are left to their time.
"""
from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from sharing.continuous.delivery import deliver_due


class Command(BaseCommand):
    help = "Send every due continuous-share delivery now."

    def handle(self, *args, **options):
        results = deliver_due()
        for line in results:
            self.stdout.write(line)
        self.stdout.write(ngettext("%(count)d share handled.", "%(count)d shares handled.", len(results))
                          % {"count": len(results)})
