"""What the continuous-sharing template tags show: the create form and the table of shares, for one target or all.

``sharing.templatetags.persistent_shares`` (and ``targets_extras`` of the ``tom_targets`` package) register the
tags; the views render the same templates with the same contexts when htmx reloads them.
"""
from __future__ import annotations

from django.urls import reverse

from ..permissions import DELETE, VIEW, can_create, may, may_create_any, mark_abilities, may_share, shares_visible_to
from .forms import PersistentShareForm
from .shares import annotated

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
