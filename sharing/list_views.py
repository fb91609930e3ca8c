"""The target list's Share page: the list and its members (all preselected), optionally with their data."""
from __future__ import annotations

from django.shortcuts import render

from targets.models import TargetList
from targets.permissions import target_list_view

from .forms import ListShareForm
from .lists import LIST_SHARE_LIMIT, members, share_list, shareable_ids


def _context(request, target_list, shareable: set[int], form: ListShareForm, results=None) -> dict:
    return {"target_list": target_list, "members": members(request.user, target_list)[:LIST_SHARE_LIMIT],
            "limit": LIST_SHARE_LIMIT, "shareable": shareable, "results": results, "form": form}


@target_list_view("view")
def share_list_page(request, target_list: TargetList):
    shareable = shareable_ids(request.user, target_list)
    if request.method != "POST":
        return render(request, "sharing/list_share.html",
                      _context(request, target_list, shareable, ListShareForm(shareable=sorted(shareable))))
    form = ListShareForm(request.POST, shareable=sorted(shareable))
    template = "sharing/partials/list_share_form.html" if request.htmx else "sharing/list_share.html"
    if not form.is_valid():
        return render(request, template, _context(request, target_list, shareable, form), status=400)
    c = form.cleaned_data
    results = share_list(request.user, target_list, c["targets"], c["destination"], data=c["data"],
                         hermes=form.hermes_text())
    return render(request, template, _context(request, target_list, shareable, form, results))
