"""Continuous-sharing pages: the manage page, and the htmx actions of the Continuous tab and the table.

Thin views: permission (``sharing.permissions``: the target by ``share_view``,
then the share's own rule), one service call (``continuous``), a partial back.
The create form and the table are the template tags
``{% create_persistent_share target %}`` and
``{% persistent_share_table target %}``, so a custom target page shows the
same controls; their actions post here.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from targets.models import Target
from targets.permissions import share_view
from tom.permissions import login

from . import continuous
from .continuous_forms import PersistentShareForm
from .permissions import can_create, share_for
from .templatetags.persistent_shares import create_context, table_context


def _table(request, target: Target | None, message: str = "", status: int = 200):
    context = table_context(request, target)
    context["message"] = message
    return render(request, "sharing/partials/persistent_share_table.html", context, status=status)


def _scope(request, target: Target) -> Target | None:
    """The table being refreshed: this target's (its Continuous tab) or every share (the manage page)."""
    return None if request.POST.get("scope") == "all" else target


@login
@require_GET
def manage(request):
    """Every continuous share the user may see, with its state, last error, delete and "Retry now"."""
    return render(request, "sharing/persistent_share_manage.html", table_context(request, None))


@login
@require_GET
def manage_table(request):
    return _table(request, None)


@share_view()
@require_POST
def create(request, target: Target):
    if not can_create(request.user, target):
        raise PermissionDenied("You do not have permission to share this target continuously "
                               "(that needs sharing.add_persistentshare).")
    form = PersistentShareForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            share = continuous.create_persistent_share(request.user, target, form.cleaned_data["destination"],
                                                       form.cleaned_data["share_existing_data"])
        except ValidationError as exc:
            error = " ".join(m for ms in exc.message_dict.values() for m in ms)
        else:
            context = create_context(request, target)
            context["created"] = share
            return render(request, "sharing/partials/persistent_share_created.html",
                          {**context, **table_context(request, target)})
    context = create_context(request, target, form)
    context["error"] = error
    # The form with its error, in place (base.html has htmx swap a 400).
    return render(request, "sharing/partials/create_persistent_share.html", context, status=400)


@share_view()
@require_POST
def delete(request, target: Target, share_pk: int):
    share = share_for(request.user, share_pk, "delete", target)
    name = share.destination
    continuous.delete_persistent_share(share)
    return _table(request, _scope(request, target), f"Stopped sharing {target.name} with {name}.")


@share_view()
@require_POST
def retry(request, target: Target, share_pk: int):
    share = share_for(request.user, share_pk, "retry", target)
    count = continuous.retry_now(share)
    return _table(request, _scope(request, target),
                  f"Retrying {count} deliver{'y' if count == 1 else 'ies'} of {target.name} to {share.destination}.")


@share_view()
@require_POST
def resume(request, target: Target, share_pk: int):
    """*Resume as me*: a paused share sends again, in the name of the user who resumed it."""
    share = share_for(request.user, share_pk, "resume", target)
    continuous.resume_share(share, request.user)
    return _table(request, _scope(request, target),
                  f"Resumed sharing {target.name} with {share.destination}, now in your name.")
