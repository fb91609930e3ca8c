"""The target's Share page: htmx tabs to share it now and to see every past share."""
from __future__ import annotations

from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import render

from targets.models import Target, TargetList
from targets.permissions import target_view

from .forms import ShareForm
from .models import ShareRecord
from .services import share_target

TABS = ("share", "history")


def _list_names(user, target) -> list[str]:
    return list(TargetList.objects.visible_to(user).filter(targets=target).order_by("name")
                .values_list("name", flat=True).distinct())


@target_view("share")
def share_page(request, target: Target):
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "share"
    context = {"target": target, "tabs": TABS, "tab": tab}
    context.update(_tab_context(request, target, tab))
    return render(request, "sharing/share_page.html", context)


@target_view("share")
def share_tab(request, target: Target, tab: str):
    if tab not in TABS:
        raise Http404("No such tab.")
    return render(request, f"sharing/partials/{tab}.html", {"target": target, **_tab_context(request, target, tab)})


def _tab_context(request, target, tab) -> dict:
    if tab == "history":
        return {"records": ShareRecord.objects.filter(target=target).select_related("user")[:200]}
    return {"form": ShareForm(target=target, list_names=_list_names(request.user, target))}


@target_view("share")
def share_now(request, target: Target):
    """Send it (POST from the Share tab); the outcome comes back inline."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = ShareForm(request.POST, target=target, list_names=_list_names(request.user, target))
    if not form.is_valid():
        return render(request, "sharing/partials/share.html", {"target": target, "form": form}, status=400)
    outcome = share_target(request.user, target, form.cleaned_data["destination"], data=form.cleaned_data["data"],
                           lists=tuple(form.cleaned_data["lists"]))
    return render(request, "sharing/partials/share.html", {
        "target": target, "form": ShareForm(target=target, list_names=_list_names(request.user, target)),
        "outcome": outcome.record,
    })

