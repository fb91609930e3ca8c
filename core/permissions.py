"""The one place permissions are checked, shared by every kind of object: pages and API operations alike.

Each page view and each API operation declares what it needs with a decorator from here (``login``,
``global_perm``, ``object_view`` for pages; ``api_rule`` for the API). The decorator does the check, and
records it as an :class:`Access`: on the view as ``view.access``, so the permission-matrix test reads every
URL's rule from the URL configuration, and on the API operation as ``x-access`` in the OpenAPI schema, so the
API's matrix reads every operation's rule from ``/api/openapi.json``. Whether a user may act on one object is
decided by ``core.permitted`` (one implementation for every caller).

Rules: anonymous users are sent to log in (the API answers 401); an object the user may not view is a 404
(they never learn it exists); an action on a visible object without permission is a 403. An API operation
whose object is named in the request body (a datum's ``target``) refuses it as an invalid field (400), which
is what TOM Toolkit senders expect from a TOM Toolkit receiver.
"""
from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja.utils import contribute_operation_callback

from .ids import Id
from .permitted import allows


@dataclass(frozen=True)
class Access:
    """What a view or API operation requires.

    ``kind`` is "public", "login", "perm" (only the global permission ``perm``), "apitoken" or an object kind
    ("target"...), on which the user needs ``action``, and ``perm`` too if given. Under the API, ``param`` names
    the path parameter holding the object's id, or ``field`` the body field that names it.
    """

    kind: str
    action: str = "view"
    perm: str = ""
    param: str = ""
    field: str = ""


def has_object_perm(user, action: str, obj) -> bool:
    """Whether ``user`` may ``action`` ``obj``: the one rule, ``core.permitted`` (superuser, global or object
    permission; nothing for anonymous or inactive users)."""
    return allows(user, action, obj)


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


def _record(view, access: Access):
    """``view.access`` for Python, ``x-access`` in the operation's OpenAPI entry for the schema's readers."""
    view.access = access

    def contribute(operation) -> None:
        declared = {k: v for k, v in asdict(access).items() if v}
        if access.kind in ("public", "login", "perm"):
            del declared["action"]  # on no object
        operation.openapi_extra = {**(operation.openapi_extra or {}), "x-access": declared}

    contribute_operation_callback(view, contribute)
    return view


def _needs_perm(user, perm: str, may: Callable[[object, str], bool] | None) -> None:
    if perm and not (may(user, perm) if may else user.has_perm(perm)):
        raise PermissionDenied(f"You do not have permission to do this ({perm}).")


def _signature_for_ninja(view, param: str = "") -> inspect.Signature:
    """The view's signature as ninja should read it from the wrapper, with its annotations resolved here, in the
    view's module (``from __future__ import annotations`` leaves them as text, which ninja would look up in this
    module). With ``param``, the object's parameter (the second) becomes that path parameter, an id."""
    sig = inspect.signature(view)
    hints = typing.get_type_hints(view, include_extras=True)  # keeps Annotated markers (Form, File, bounds)
    params = [p.replace(annotation=hints.get(p.name, p.annotation)) for p in sig.parameters.values()]
    if param:
        params[1] = inspect.Parameter(param, inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Id)
    return sig.replace(parameters=params, return_annotation=inspect.Signature.empty)


def _checking_perm(view, perm: str, may):
    """``view`` after a global-permission check (``view`` itself when there is none)."""
    if not perm:
        return view

    @wraps(view)
    def checked(request, *args, **kwargs):
        _needs_perm(request.user, perm, may)
        return view(request, *args, **kwargs)

    checked.__signature__ = _signature_for_ninja(view)
    return checked


def api_rule(*, public: bool = False, login: bool = False, perm: str = "", kind: str = "", action: str = "view",
             fetch: Callable | None = None, param: str = "", field: str = "",
             may: Callable[[object, str], bool] | None = None):
    """Declare and check an API operation's rule; put it under the router's decorator.

    - ``public=True``: anyone (the operation also says ``auth=None``);
    - ``login=True``: any authenticated caller (what they see is filtered by the operation);
    - ``perm="app.codename"``: a global permission (403), checked with ``may(user, perm)`` when given;
    - ``kind``, ``fetch``, ``param``: the object whose id is the path parameter ``param``, fetched with the kind's
      helper ``fetch(user, pk, action)`` (404 if not visible, 403 without ``action``) and passed to the
      operation as its second argument, in place of the id;
    - ``kind``, ``field``: the object named by the body field ``field``; the operation fetches it with the
      kind's helper and refuses it as an invalid field (400), after ``perm`` was checked here.
    """

    def decorator(view):
        if public:
            return _record(view, Access("public"))
        if not kind:
            if not (login or perm):
                raise TypeError(f"{view.__name__}: say who may call it (public, login, perm or an object kind)")
            return _record(_checking_perm(view, perm, may), Access("perm", perm=perm) if perm else Access("login"))
        if field:
            return _record(_checking_perm(view, perm, may), Access(kind, action, perm=perm, field=field))
        if fetch is None or not param:
            raise TypeError(f"{view.__name__}: an object rule needs fetch and param, or field")

        @wraps(view)
        def with_object(request, *args, **kwargs):
            obj = fetch(request.user, kwargs.pop(param), action)
            _needs_perm(request.user, perm, may)
            return view(request, obj, *args, **kwargs)

        with_object.__signature__ = _signature_for_ninja(view, param)
        return _record(with_object, Access(kind, action, perm=perm, param=param))

    return decorator
