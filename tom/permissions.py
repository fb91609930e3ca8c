"""The one place permissions are checked, shared by every kind of object.

Each view declares what it needs with a decorator from here. The decorator
does the check, and records it on the view as ``view.access`` so the
permission-matrix test can read every URL's rule from the URL configuration.

Rules: anonymous users are sent to log in; an object the user may not view
is a 404 (they never learn it exists); an action on a visible object without
permission is a 403.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404


@dataclass(frozen=True)
class Access:
    """What a view requires: ``kind`` is "login", "perm" (a global permission) or an object kind."""

    kind: str
    action: str = "view"
    perm: str = ""


def has_object_perm(user, action: str, obj) -> bool:
    """Global permission (any object) or guardian's object permission, superusers always."""
    opts = obj._meta
    perm = f"{opts.app_label}.{action}_{opts.model_name}"
    return user.is_active and (user.is_superuser or user.has_perm(perm) or user.has_perm(perm, obj))


def object_for(user, queryset, pk, action: str = "view"):
    """The object ``pk`` from ``queryset`` if ``user`` may ``action`` it: 404 if not visible, 403 if visible only."""
    obj = get_object_or_404(queryset.visible_to(user), pk=pk)
    if action != "view" and not has_object_perm(user, action, obj):
        raise PermissionDenied(f"You may not {action} this {obj._meta.verbose_name}.")
    return obj


def _mark(view, access: Access):
    view.access = access
    return view


def public(view):
    """No login needed (the login page itself, health checks)."""
    return _mark(view, Access("public"))


def machine(allowed):
    """A machine's endpoint (Prometheus' ``/metrics/``): no login or session; ``allowed(request)`` decides (a
    token, an address), and a refused caller gets a 404, as if there were nothing here."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not allowed(request):
                raise Http404()
            return view(request, *args, **kwargs)

        return _mark(wrapped, Access("machine"))

    return decorator


def login(view):
    """Any logged-in user; what they see is filtered by the view."""
    return _mark(login_required(view), Access("login"))


def global_perm(perm: str):
    """A model-level permission such as ``targets.add_target`` (403 without it)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied("You do not have permission to do this.")
            return view(request, *args, **kwargs)

        return _mark(login_required(wrapped), Access("perm", perm=perm))

    return decorator


def object_view(kind: str, fetch, action: str = "view"):
    """Fetch the URL's ``pk`` with ``fetch(user, pk, action)`` (a kind's helper) and pass the object to the view."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, pk, *args, **kwargs):
            obj = fetch(request.user, pk, action)
            return view(request, obj, *args, **kwargs)

        return _mark(login_required(wrapped), Access(kind, action))

    return decorator
