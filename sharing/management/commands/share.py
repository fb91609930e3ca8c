"""manage.py share TARGET DESTINATION [--data none|photometry|all] [--list LIST]: share from the command line."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from targets.models import Target, TargetList

from ...services import DATA_CHOICES, share_target


class Command(BaseCommand):
    help = "Share a target (or every target of a list, with --list) with a DATA_SHARING destination."

    def add_arguments(self, parser):
        parser.add_argument("target", nargs="?", help="a name or alias of the target (any spelling)")
        parser.add_argument("destination", help="a key of DATA_SHARING")
        parser.add_argument("--data", choices=[c for c in DATA_CHOICES if c != "selected"], default="none")
        parser.add_argument("--list", dest="target_list", help="share every target of this list instead")
        parser.add_argument("--files", action="store_true", help="also upload the targets' data product files")

    def handle(self, *args, target=None, destination=None, data="none", target_list=None, files=False, **options):
        if target_list:
            lists = TargetList.objects.filter(name=target_list)
            if not lists.exists():
                raise CommandError(f"No target list is called {target_list!r}.")
            targets = list(Target.objects.filter(target_lists__in=lists).distinct().order_by("name"))
            list_names = (target_list,)
        else:
            if not target:
                raise CommandError("Name a target, or give --list.")
            found = list(Target.objects.matching_name(target))
            if not found:
                raise CommandError(f"No target is called {target!r}.")
            targets, list_names = found, ()
        failed = 0
        for item in targets:
            products = list(item.data_products.values_list("pk", flat=True)) if files else ()
            outcome = share_target(None, item, destination, data=data, lists=list_names, product_ids=products,
                                   via="command")
            self.stdout.write(f"{item.name}: {outcome.record.get_outcome_display()}. {outcome.record.message}")
            failed += not outcome.ok
        if failed:
            raise CommandError(f"{failed} of {len(targets)} share(s) did not fully go through.")
