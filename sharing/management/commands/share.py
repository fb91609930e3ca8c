"""manage.py share TARGET DESTINATION [--data none|photometry|all] [--list LIST] [--files] [--user NAME].

Run as the operator (whoever may run manage.py on the server) it shares anything; ``--user`` shares in a
user's name, under the rule of the Share page (``sharing.permissions.may_share``): if the user may not share
one of the targets, nothing is sent and the command says which.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from targets.models import Target, TargetList
from targets.permissions import SHARE_NEEDS, may_share

from ...services import DATA_CHOICES, share_target


class Command(BaseCommand):
    help = "Share a target (or every target of a list, with --list) with a DATA_SHARING destination."

    def add_arguments(self, parser):
        parser.add_argument("target", nargs="?", help="a name or alias of the target (any spelling)")
        parser.add_argument("destination", help="a key of DATA_SHARING")
        parser.add_argument("--data", choices=[c for c in DATA_CHOICES if c != "selected"], default="none")
        parser.add_argument("--list", dest="target_list", help="share every target of this list instead")
        parser.add_argument("--files", action="store_true", help="also upload the targets' data product files")
        parser.add_argument("--user", dest="username",
                            help="share in this user's name, only what they may share (recorded as theirs)")

    def handle(self, *args, target=None, destination=None, data="none", target_list=None, files=False,
               username=None, **options):
        user = self._user(username) if username else None
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
        if user is not None:
            refused = [t.name for t in targets if not may_share(user, t)]
            if refused:
                raise CommandError(f"{user.get_username()} may not share {', '.join(refused[:10])}"
                                   f"{' and more' if len(refused) > 10 else ''} (that needs {SHARE_NEEDS}); "
                                   "nothing was sent.")
        failed = 0
        for item in targets:
            products = list(item.data_products.values_list("pk", flat=True)) if files else ()
            outcome = share_target(user, item, destination, data=data, lists=list_names, product_ids=products,
                                   via="command")
            self.stdout.write(f"{item.name}: {outcome.record.get_outcome_display()}. {outcome.record.message}")
            failed += not outcome.ok
        if failed:
            raise CommandError(ngettext("%(failed)d of %(count)d share did not fully go through.",
                                        "%(failed)d of %(count)d shares did not fully go through.", len(targets))
                               % {"failed": failed, "count": len(targets)})

    @staticmethod
    def _user(username: str):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        if not user.is_active:
            raise CommandError(f"{username} is deactivated: nothing was sent.")
        return user
