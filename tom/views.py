from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static

from core.permissions import login, public


@public
def healthz(request):
    """A cheap liveness check for process supervisors and the test harness (no login, no data)."""
    return HttpResponse("ok", content_type="text/plain")


@login
def home(request):
    return redirect("targets:list")


@public
def favicon(request):
    """``/favicon.ico``, asked for by browsers and tools that never read a page's ``<link rel="icon">`` (the admin's
    pages have none): our icon, wherever the static files are served from."""
    return redirect(static("tom/favicon.svg"))
