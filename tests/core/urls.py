"""The site's URLs plus views that fail on purpose, for the error pages' tests (``@pytest.mark.urls``)."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import OperationalError
from django.http import Http404
from django.urls import path

from core.permissions import public
from tom.urls import handler400, handler403, handler404, handler500  # noqa: F401
from tom.urls import urlpatterns as site_urlpatterns


@public
def refuse(request):
    raise PermissionDenied("You may not frobnicate this target.")


@public
def missing(request):
    raise Http404("No such frobnicator.")


@public
def crash(request):
    raise OperationalError("no such table: dataproducts_reduceddatum")


urlpatterns = [
    path("test-errors/refuse/", refuse),
    path("test-errors/missing/", missing),
    path("test-errors/crash/", crash),
    path("api/test-errors/crash/", crash),
    *site_urlpatterns,
]
