from __future__ import annotations

from django.shortcuts import redirect
from django.templatetags.static import static

from core.health import health_response
from core.permissions import login, public


@public
def healthz(request):
    """The health check (``core.health``; its middleware normally answers first): database reachable or 503."""
    return health_response()


@login
def home(request):
    return redirect("targets:list")


@public
def favicon(request):
    """``/favicon.ico``, asked for by browsers and tools that never read a page's ``<link rel="icon">`` (the admin's
    pages have none): our icon, wherever the static files are served from."""
    return redirect(static("tom/favicon.svg"))
