from django.http import HttpResponse
from django.shortcuts import redirect

from .permissions import login, public


@public
def healthz(request):
    """A cheap liveness check for process supervisors and the test harness (no login, no data)."""
    return HttpResponse("ok", content_type="text/plain")


@login
def home(request):
    return redirect("targets:list")
