"""``{% create_persistent_share target %}`` and ``{% persistent_share_table target %}`` for any target page.

The TOM Toolkit's two tags (also loadable by its library name: ``{% load targets_extras %}``, the ``tom_targets``
package), with htmx instead of hand-written fetch(): the form posts to the Continuous tab's create view, the
table's buttons to delete, "Retry now" and (for a paused share) "Resume as me"; each answer replaces the element
it came from, found by class (``closest``), so the tags work inside whatever wrappers a page puts around them,
the documentation's ``<div id=...>`` included, and they emit no ids of their own. A created share makes every
table on the page reload itself (the ``persistent-shares-changed`` event). Without a target, the form searches
the targets the user may share and the table lists every share the user may see (the manage page). What each
user sees and may press comes from ``sharing.permissions``.
"""
from __future__ import annotations

from django import template
from django.urls import reverse

from ..continuous_api import annotated
from ..continuous_forms import PersistentShareForm
from ..permissions import DELETE, VIEW, can_create, may, may_create_any, mark_abilities, may_share, shares_visible_to

register = template.Library()

CREATE_TEMPLATE = "sharing/partials/create_persistent_share.html"
TABLE_TEMPLATE = "sharing/partials/persistent_share_table.html"


def create_context(request, target=None, form=None) -> dict:
    user = request.user
    if target is None:  # the manage page's form: the target is chosen in it
        allowed, shares = may_create_any(user), True
    else:
        allowed, shares = can_create(user, target), may_share(user, target)
    return {"target": target, "request": request, "can_create": allowed, "may_share": shares,
            "form": form or PersistentShareForm()}


def table_context(request, target=None) -> dict:
    user = request.user
    shares = list(annotated(shares_visible_to(user, target))[:500]) if may(user, VIEW) else []
    mark_abilities(user, shares)  # the buttons each row shows (one query for the whole table)
    refresh = (reverse("sharing:persistentshare-table", args=[target.pk]) if target is not None
               else reverse("sharing:persistentshare-manage-table"))
    return {"target": target, "request": request, "shares": shares, "can_view": may(user, VIEW),
            "can_delete": may(user, DELETE), "scope": "target" if target is not None else "all",
            "refresh_url": refresh}


@register.inclusion_tag(CREATE_TEMPLATE, takes_context=True)
def create_persistent_share(context, target=None):
    return create_context(context["request"], target)


@register.inclusion_tag(TABLE_TEMPLATE, takes_context=True)
def persistent_share_table(context, target=None):
    return table_context(context["request"], target)
