"""The target's Share page: htmx tabs to share it now and to see every past share.

Views stay thin: ``share_view`` admits who may share the target (``sharing.permissions``), the form
says what was chosen, ``selection`` turns it into datums and products, ``share_target`` sends and
records, ``preview`` shows exactly what would go.
"""
from __future__ import annotations

from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST

from core.ids import parse_id
from dataproducts.exports import selection_rows
from dataproducts.models import DataProduct
from targets.models import Target, TargetList
from targets.permissions import share_view

from .destinations import destination
from .forms import PhotometryFilterForm, ShareForm
from .models import ShareRecord
from .preview import preview
from .selection import TABLE_ROWS, photometry
from .services import share_target

TABS = ("share", "continuous", "history")


def _list_names(user, target) -> list[str]:
    return list(TargetList.objects.visible_to(user).filter(targets=target).order_by("name")
                .values_list("name", flat=True).distinct())


def _form(request, target, data=None) -> ShareForm:
    product = None
    if data is None and request.GET.get("product"):  # "Share" on a data product
        pk = parse_id(request.GET["product"], "product")
        product = DataProduct.objects.filter(target=target, pk=pk).first()
    return ShareForm(data, target=target, list_names=_list_names(request.user, target), product=product)


def _table(rows) -> dict:
    """The photometry table's context: the first TABLE_ROWS rows to tick, and how many the filter keeps."""
    return {"rows": rows[:TABLE_ROWS], "row_count": rows.count(), "table_rows": TABLE_ROWS}


def _share_context(request, target, form=None) -> dict:
    return {"form": form or _form(request, target), **_table(photometry(target))}


@share_view()
def share_page(request, target: Target):
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "share"
    context = {"target": target, "tabs": TABS, "tab": tab}
    context.update(_tab_context(request, target, tab))
    return render(request, "sharing/share_page.html", context)


@share_view()
def share_tab(request, target: Target, tab: str):
    if tab not in TABS:
        raise Http404("No such tab.")
    return render(request, f"sharing/partials/{tab}.html", {"target": target, **_tab_context(request, target, tab)})


def _tab_context(request, target, tab) -> dict:
    if tab == "history":
        return {"records": ShareRecord.objects.filter(target=target).select_related("user")[:200]}
    if tab == "continuous":
        return {}  # the tab's template tags load what they show (they work on any target page too)
    return _share_context(request, target)


@share_view()
@require_GET
def photometry_table(request, target: Target):
    """The photometry rows the filter keeps, for ticking (reloaded by htmx when the filter changes).

    A filter that cannot be read lists nothing and says why, above the table: the fields themselves are not
    reloaded (the user may be typing in the next one).
    """
    form = PhotometryFilterForm(request.GET, target=target)
    if not form.is_valid():
        return render(request, "sharing/partials/photometry_table.html",
                      {"target": target, "filter_form": form, **_table(photometry(target).none())}, status=400)
    rows = photometry(target, form.photometry_filter())
    return render(request, "sharing/partials/photometry_table.html", {"target": target, **_table(rows)})


def _invalid(request, target, form):
    """The Share tab again with the form's errors at their fields: the tab for htmx, else the whole page."""
    context = {"target": target, **_share_context(request, target, form)}
    if request.htmx:
        return render(request, "sharing/partials/share.html", context, status=400)
    return render(request, "sharing/share_page.html", {**context, "tabs": TABS, "tab": "share"}, status=400)


@share_view()
@require_POST
def share_now(request, target: Target):
    """Send it (POST from the Share tab); the outcome comes back inline."""
    form = _form(request, target, request.POST)
    if not form.is_valid():
        return _invalid(request, target, form)
    chosen = form.selection()
    outcome = share_target(request.user, target, form.cleaned_data["destination"], chosen=chosen,
                           lists=tuple(form.cleaned_data["lists"]), hermes=form.hermes_text(), via="page")
    context = {"target": target, **_share_context(request, target), "outcome": outcome.record}
    if not request.htmx:  # a plain form post (no JavaScript): the whole page, with the outcome
        return render(request, "sharing/share_page.html", {**context, "tabs": TABS, "tab": "share"})
    return render(request, "sharing/partials/share.html", context)


@share_view()
@require_POST
def share_preview(request, target: Target):
    """Exactly what Share would send, without sending anything."""
    form = _form(request, target, request.POST)
    if not form.is_valid():
        return render(request, "sharing/partials/preview.html", {"form": form}, status=400)
    shown = preview(destination(form.cleaned_data["destination"]), request.user, target, form.selection(),
                    tuple(form.cleaned_data["lists"]), form.hermes_text())
    return render(request, "sharing/partials/preview.html", {"form": form, "preview": shown})


@share_view()
@require_POST
def share_download(request, target: Target):
    """The selection as CSV, streamed (the ``download`` choice: nothing leaves the TOM but to the user)."""
    form = _form(request, target, request.POST)
    form.fields["destination"].required = False
    if not form.is_valid():
        return _invalid(request, target, form)
    response = StreamingHttpResponse(selection_rows(form.selection().datums), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{slugify(target.name) or "target"}-selection.csv"'
    return response
