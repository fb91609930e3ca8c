"""Data product and photometry pages: parts of the target page (htmx), downloads and exports."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.errors import error_response
from core.paging_pages import paginate
from core.permissions import has_object_perm
from core.plotting import script_safe_json
from targets.permissions import may_share, target_view

from . import files, plots, services
from .exports import photometry_rows
from .forms import PhotometryPointForm, UploadForm
from .models import DataProduct, Origin, ReducedDatum
from .permissions import data_product_view


def _abilities(user, target) -> dict:
    """What the target's data sections offer this user: changing the data, sharing it."""
    return {"can_change": has_object_perm(user, "change", target), "can_share": may_share(user, target)}


def _section(request, target, partial: str, form, outcome: str | None, status: int, **context):
    """A data section of the target page (the partial htmx swaps in): its form, the outcome of what was just done
    there, and what this user may do there."""
    return render(request, f"dataproducts/partials/{partial}", {
        "target": target, "form": form, "outcome": outcome, **context, **_abilities(request.user, target)},
        status=status)


def _products_section(request, target, form=None, outcome=None, status=200):
    products = DataProduct.objects.filter(target=target).select_related("uploaded_by")
    return _section(request, target, "products.html", form or UploadForm(), outcome, status, products=products)


@target_view()
def products(request, target):
    return _products_section(request, target)


@target_view("change")
@require_POST
def upload(request, target):
    form = UploadForm(request.POST, request.FILES)
    outcome = None
    status = 400
    if form.is_valid():
        try:
            result = services.upload_data_product(
                target, form.cleaned_data["file"], form.cleaned_data["data_product_type"], user=request.user,
                product_id=form.cleaned_data["product_id"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except files.StorageUnavailable as exc:
            form.add_error(None, str(exc))
            status = 503
        else:
            status = 200
            name = result.data_product.filename
            if result.already_uploaded:
                outcome = f"{name} was uploaded before (as {result.data_product}); nothing new was stored."
            else:
                created, existing = result.saved.created, result.saved.existing
                outcome = (ngettext("Stored %(name)s: %(count)d new data point",
                                    "Stored %(name)s: %(count)d new data points", created)
                           % {"name": name, "count": created}
                           + (f", {existing} already known." if existing else "."))
            form = None
    if request.htmx:
        return _products_section(request, target, form, outcome, status)
    if outcome:
        messages.success(request, outcome)
    else:
        messages.error(request, "The upload failed: " + "; ".join(m for errs in form.errors.values() for m in errs))
    return redirect(target)


@data_product_view()
def download(request, product):
    try:
        return files.download_response(product.data, product.filename)
    except files.StorageUnavailable as exc:
        return error_response(request, str(exc), 503)


@data_product_view("delete")
def delete(request, product):
    target = product.target
    if request.method != "POST":
        return render(request, "dataproducts/confirm_delete.html", {"product": product, "target": target})
    count = product.reduced_data.count()
    services.delete_data_product(product)
    text = ngettext("Deleted %(name)s and its %(count)d data point.", "Deleted %(name)s and its %(count)d data points.",
                    count) % {"name": product.filename, "count": count}
    if request.htmx:
        return _products_section(request, target, outcome=text)
    messages.success(request, text)
    return redirect(target)


def _photometry_section(request, target, form=None, outcome=None, status=200):
    rows = ReducedDatum.objects.filter(target=target, data_type="photometry").order_by("-timestamp", "-id")
    page = paginate(rows, request.GET.get("page"), settings.PHOTOMETRY_PAGE_SIZE, 1_000_000)
    return _section(request, target, "photometry.html", form or PhotometryPointForm(), outcome, status, page=page)


@target_view()
def photometry(request, target):
    return _photometry_section(request, target)


@target_view("change")
@require_POST
def add_photometry(request, target):
    form = PhotometryPointForm(request.POST)
    if not form.is_valid():
        return _photometry_section(request, target, form, status=400)
    result = services.save_datums(target, [form.datum()], origin=Origin.MANUAL, user=request.user)
    outcome = "Added the point." if result.created else "That point was already there; nothing changed."
    return _photometry_section(request, target, outcome=outcome)


@target_view()
def export_photometry(request, target, fmt):
    if fmt not in ("csv", "ecsv"):
        raise Http404("Export as csv or ecsv.")
    response = StreamingHttpResponse(photometry_rows(target, ecsv=fmt == "ecsv"),
                                     content_type="text/csv; charset=utf-8" if fmt == "csv" else "text/plain; charset=utf-8")
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in target.name)
    response["Content-Disposition"] = f'attachment; filename="{name}-photometry.{fmt}"'
    return response


@target_view()
def light_curve(request, target):
    figure = plots.light_curve(target)
    return render(request, "dataproducts/partials/plot.html", {
        "target": target, "figure": script_safe_json(figure), "kind": "lightcurve",
        "trace_count": len(figure.data) if figure else 0,
        "empty": "No photometry yet.",
    })


@target_view()
def spectra(request, target):
    """The latest SPECTRA_PLOT_COUNT spectra; older ones a page further (htmx swaps the section)."""
    normalise = request.GET.get("normalise") == "1"
    page = plots.spectra_page(target, request.GET.get("page"))
    figure = plots.spectra(page.objects, normalise)
    return render(request, "dataproducts/partials/plot.html", {
        "target": target, "figure": script_safe_json(figure), "kind": "spectra",
        "trace_count": len(figure.data) if figure else 0, "page": page,
        "normalise": normalise, "empty": "No spectra yet." if page.number == 1 else "No spectra on this page.",
    })
