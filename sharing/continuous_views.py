"""Continuous-sharing pages: the manage page, and the htmx actions of the Continuous tab and the table.

Thin views: permission (``sharing.permissions``: the target by ``share_view``,
then the share's own rule), one service call (``continuous``), a partial back.
The create form and the table are the template tags
``{% create_persistent_share target %}`` and
``{% persistent_share_table target %}``, so a custom target page shows the
same controls; their actions post here. The manage page's form (no target)
chooses the target among those the user may share, by searching their names.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from targets.models import Target
from targets.permissions import SHARE_NEEDS, may_share, share_view, shareable_targets, target_view
from tom.permissions import login

from . import continuous
from .continuous_forms import PersistentShareForm
from .permissions import ADD, can_create, may_create_any, share_for
from .templatetags.persistent_shares import CREATE_TEMPLATE, TABLE_TEMPLATE, create_context, table_context

TARGET_CHOICES = 20  # the manage page's search shows this many targets (type more to narrow it)
CHANGED = "persistent-shares-changed"  # the event a created share sends: every table on the page reloads


def _table(request, target: Target | None, message: str = "", status: int = 200):
    context = table_context(request, target)
    context["message"] = message
    return render(request, TABLE_TEMPLATE, context, status=status)


def _scope(request, target: Target) -> Target | None:
    """The table being refreshed: this target's (its Continuous tab) or every share (the manage page)."""
    return None if request.POST.get("scope") == "all" else target


def _target_choices(user, query: str) -> dict:
    """Up to TARGET_CHOICES targets ``user`` may share whose name or alias starts with ``query`` (in any spelling)."""
    query = query.strip()[:100]
    if not query:
        return {"query": "", "choices": [], "more": False}
    found = list(shareable_targets(user).search(query).order_by("name", "pk")[:TARGET_CHOICES + 1])
    return {"query": query, "choices": found[:TARGET_CHOICES], "more": len(found) > TARGET_CHOICES}


def _created_or_error(request, target: Target | None, form: PersistentShareForm, search: dict | None = None):
    """Create the share the valid ``form`` describes, or show the form again with what was wrong, inline.

    ``search``: the manage page's form (its target search and choice), which comes back as that form."""
    shown = None if search is not None else target  # the form shown again: the manage page's has no target
    extra = search or {}
    error = ""
    if form.is_valid() and target is not None:
        try:
            share = continuous.create_persistent_share(request.user, target, form.cleaned_data["destination"],
                                                       form.cleaned_data["share_existing_data"])
        except ValidationError as exc:
            error = " ".join(m for ms in exc.message_dict.values() for m in ms)
        else:
            context = {**create_context(request, shown), **extra, "created": share}
            response = render(request, CREATE_TEMPLATE, context)
            response["HX-Trigger"] = CHANGED
            return response
    context = {**create_context(request, shown, form), **extra, "error": error}
    # The form with its error (a service's, or its fields' by label), in place (base.html has htmx swap a 400).
    return render(request, CREATE_TEMPLATE, context, status=400)


@login
@require_GET
def manage(request):
    """Every continuous share the user may see, with its state, last error, delete and "Retry now"; and a form
    to create one for any target the user may share."""
    return render(request, "sharing/persistent_share_manage.html")


@login
@require_GET
def manage_table(request):
    return _table(request, None)


@login
@require_GET
def target_choices(request):
    """The manage page's target search: radio buttons for the targets the user may share that match ``q``."""
    context = _target_choices(request.user, request.GET.get("q", "")) if may_create_any(request.user) else {}
    return render(request, "sharing/partials/persistent_share_target_choices.html", context)


@login
@require_POST
def manage_create(request):
    """The manage page's create form: the target is a field (a target the user may not view is "no target")."""
    if not may_create_any(request.user):
        raise PermissionDenied(f"You do not have permission to share targets continuously (that needs {ADD}).")
    form = PersistentShareForm(request.POST)
    search = {**_target_choices(request.user, request.POST.get("q", "")), "chosen": None}
    target = None
    raw = request.POST.get("target", "").strip()
    if not raw.isdigit() or len(raw) > 18:
        form.add_error(None, "Choose a target (type its name, then pick it).")
    else:
        search["chosen"] = int(raw)
        target = Target.objects.visible_to(request.user).filter(pk=int(raw)).first()
        if target is None:
            form.add_error(None, f"No target {raw}.")
        elif not may_share(request.user, target):
            form.add_error(None, f"You may not share {target.name} (that needs {SHARE_NEEDS}).")
            target = None
    return _created_or_error(request, target, form, search)


@share_view()
@require_POST
def create(request, target: Target):
    if not can_create(request.user, target):
        raise PermissionDenied(f"You do not have permission to share this target continuously (that needs {ADD}).")
    return _created_or_error(request, target, PersistentShareForm(request.POST))


@target_view("view")
@require_GET
def table(request, target: Target):
    """One target's table, as ``{% persistent_share_table target %}`` shows it (it reloads itself from here)."""
    return _table(request, target)


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
