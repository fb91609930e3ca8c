"""``{% create_persistent_share target %}`` and ``{% persistent_share_table target %}`` for any target page.

The TOM Toolkit's two tags, with htmx instead of hand-written fetch(): the
form posts to the Continuous tab's create view, the table's buttons to delete,
"Retry now" and (for a paused share) "Resume as me"; each answer replaces the
table (errors inline). ``{% persistent_share_table %}`` without a target lists
every share the user may see (the manage page). What each user sees and may
press comes from ``sharing.permissions``.
"""
from __future__ import annotations

from django import template

from ..continuous_api import annotated
from ..continuous_forms import PersistentShareForm
from ..permissions import DELETE, VIEW, can_create, mark_abilities, may, may_share, shares_visible_to

register = template.Library()


def create_context(request, target, form=None) -> dict:
    user = request.user
    return {"target": target, "request": request, "can_create": can_create(user, target),
            "may_share": may_share(user, target), "form": form or PersistentShareForm()}


def table_context(request, target=None) -> dict:
    user = request.user
    shares = list(annotated(shares_visible_to(user, target))[:500]) if may(user, VIEW) else []
    mark_abilities(user, shares)  # the buttons each row shows (one query for the whole table)
    return {"target": target, "request": request, "shares": shares, "can_view": may(user, VIEW),
            "can_delete": may(user, DELETE), "scope": "target" if target is not None else "all"}


@register.inclusion_tag("sharing/partials/create_persistent_share.html", takes_context=True)
def create_persistent_share(context, target):
    return create_context(context["request"], target)


@register.inclusion_tag("sharing/partials/persistent_share_table.html", takes_context=True)
def persistent_share_table(context, target=None):
    return table_context(context["request"], target)
