"""Pages for targets and target lists. Each view parses, checks (by decorator), calls a service, renders."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.ids import parse_ids
from core.paging_pages import paginate
from core.permissions import global_perm, has_object_perm, login

from . import services
from .coordinates import galactic, sexagesimal
from .csvio import column_descriptions, export_rows, import_targets, sample_rows
from .deletion import what_goes_with
from .forms import (
    BulkTargetsForm,
    CsvImportForm,
    RenameTargetListForm,
    TargetForm,
    TargetListForm,
    TargetSearchForm,
)
from .models import Target, TargetList
from .neighbours import import_warning_html, neighbours, warning_html
from .permissions import groups_with, may_share, target_list_for, target_list_view, target_view
from .visibility.section import section_context

SECTIONS = ("coordinates", "names", "extras", "lists", "visibility")
# Loaded from the dataproducts app's URLs.
DATA_SECTIONS = ("lightcurve", "spectra", "photometry", "products")


def filtered_targets(request, page: bool = False):
    """The targets the user may view, narrowed by the list page's filters (also used by the CSV export).

    ``page``: only a page of them and a capped count will be read, so each row is checked as it is read
    (``visible_to``'s ``per_row``); the export reads them all.
    """
    form = TargetSearchForm(request.GET or None, user=request.user)
    qs = Target.objects.visible_to(request.user, per_row=page)
    count_qs = None
    sort = "-created"
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("q"):
            count_qs = qs.search_count_queryset(data["q"])
            qs = qs.search(data["q"])
        if data.get("cone_radius"):
            qs = qs.cone(data["cone_ra"], data["cone_dec"], data["cone_radius"])
            sort = "separation"
        if data.get("target_list"):
            qs = qs.filter(target_lists=data["target_list"])
            count_qs = count_qs.filter(target_lists=data["target_list"]) if count_qs is not None else None
        if data.get("type"):
            qs = qs.filter(type=data["type"])
            count_qs = count_qs.filter(type=data["type"]) if count_qs is not None else None
        if data.get("cone_radius"):
            count_qs = None  # the cone's own filter is cheap to count
        sort = data.get("sort") or sort
    elif form.is_bound:
        qs = qs.none()
    return form, qs.order_by(sort, "-id" if sort.startswith("-") else "id"), count_qs


@login
def target_list(request):
    form, qs, count_qs = filtered_targets(request, page=True)
    page = paginate(qs.prefetch_related("names"), request.GET.get("page"), settings.TARGET_LIST_PAGE_SIZE,
                    settings.TARGET_LIST_COUNT_LIMIT, count_queryset=count_qs)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form, "page": page, "query": query.urlencode(), "is_cone": form.is_cone,
        "lists": TargetList.objects.permitted(request.user, "change").order_by("name"),
        "can_add": request.user.has_perm("targets.add_target"),
    }
    template = "targets/partials/target_table.html" if request.htmx and not request.htmx.boosted else "targets/target_list.html"
    return render(request, template, context, status=400 if form.errors else 200)


@login
def target_export(request):
    form, qs, _count_qs = filtered_targets(request)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    response = StreamingHttpResponse(export_rows(qs), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="targets-{stamp}.csv"'
    return response


@global_perm("targets.add_target")
def target_create(request):
    form = TargetForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            target = services.create_target(
                request.user, form.target_input(), form.cleaned_data["view_groups"], form.cleaned_data["change_groups"]
            )
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, f"Created {target.name}.")
            _warn_of_neighbours(request, target)
            return redirect(target)
    return render(request, "targets/target_form.html", {"form": form}, status=400 if form.errors else 200)


@target_view("change")
def target_update(request, target):
    view_groups, change_groups = groups_with(target, "view"), groups_with(target, "change")
    form = TargetForm(
        request.POST or None, user=request.user, instance=target,
        initial=TargetForm.initial_for(target, view_groups, change_groups),
    )
    if request.method == "POST" and form.is_valid():
        position = (target.ra, target.dec)
        try:
            services.update_target(target, form.target_input(), form.cleaned_data["view_groups"],
                                   form.cleaned_data["change_groups"], user=request.user)
        except ValidationError as exc:
            _errors_onto(form, exc)
        else:
            messages.success(request, f"Saved {target.name}.")
            if (target.ra, target.dec) != position:
                _warn_of_neighbours(request, target)
            return redirect(target)
    return render(request, "targets/target_form.html", {"form": form, "target": target},
                  status=400 if form.errors else 200)


def _confirm_then_delete(request, obj, kind: str, done: str, after: str, consequences=None):
    """GET: the page asking to confirm (with what else goes, when ``consequences`` says); POST: the delete, then
    ``done`` on the page named by ``after``."""
    if request.method == "POST":
        obj.delete()
        messages.success(request, done)
        return redirect(after)
    context = {"object": obj, "kind": kind}
    if consequences is not None:
        context["consequences"] = consequences()
    return render(request, "targets/confirm_delete.html", context)


@target_view("delete")
def target_delete(request, target):
    return _confirm_then_delete(request, target, "target", f"Deleted {target.name}.", "targets:list",
                                consequences=lambda: what_goes_with(target, request.user))


@target_view()
def target_detail(request, target):
    return render(request, "targets/target_detail.html", {
        "target": target,
        "sections": SECTIONS,
        "data_sections": [(name, reverse(f"dataproducts:{name}", args=[target.pk])) for name in DATA_SECTIONS],
        "can_change": has_object_perm(request.user, "change", target),
        "can_delete": has_object_perm(request.user, "delete", target),
        "can_share": may_share(request.user, target),
    })


@target_view()
def target_section(request, target, section):
    """One part of the target page, loaded by htmx after the page itself."""
    if section not in SECTIONS:
        raise Http404("No such section.")
    context = {"target": target}
    if section == "coordinates" and target.ra is not None and target.dec is not None:
        context["sexagesimal"] = sexagesimal(target.ra, target.dec)
        context["galactic"] = galactic(target.ra, target.dec)
    elif section == "names":
        context["aliases"] = target.alias_names()
    elif section == "extras":
        context["extras"] = target.extras.all()
    elif section == "lists":
        return _lists_section(request, target)
    elif section == "visibility":
        context.update(section_context(target))
    return render(request, f"targets/partials/section_{section}.html", context)


def _lists_section(request, target, status=200, error=""):
    visible_lists = TargetList.objects.visible_to(request.user)
    changeable = TargetList.objects.permitted(request.user, "change")
    context = {
        "target": target, "error": error,
        "member_of": visible_lists.filter(targets=target).order_by("name"),
        "changeable": set(changeable.filter(targets=target).values_list("pk", flat=True)),
        "can_add_to": changeable.exclude(targets=target).order_by("name"),
    }
    return render(request, "targets/partials/section_lists.html", context, status=status)


@target_view()
@require_POST
def target_membership(request, target):
    """Add this target to a list, or take it off one, from the target page."""
    chosen = request.POST.get("target_list", "").strip()
    if not chosen:
        if request.htmx:
            return _lists_section(request, target, status=400, error="Choose a list.")
        messages.error(request, "Nothing changed: choose a list.")
        return redirect(target)
    try:
        target_list = target_list_for(request.user, int(chosen), "change")
    except ValueError:
        raise Http404("No such target list.") from None
    if request.POST.get("action") == "remove":
        services.remove_from_list(target_list, [target])
        messages.success(request, f"Removed {target.name} from {target_list.name}.")
    else:
        services.add_to_list(target_list, [target])
        messages.success(request, f"Added {target.name} to {target_list.name}.")
    if request.htmx:
        return _lists_section(request, target)
    return redirect(target)


@global_perm("targets.add_target")
def target_import(request):
    form = CsvImportForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        report = import_targets(request.user, form.cleaned_data["file"], form.cleaned_data["view_groups"],
                                form.cleaned_data["change_groups"])
        if report.ok:
            count = len(report.created)
            messages.success(request, ngettext("Imported %(count)d target.", "Imported %(count)d targets.", count)
                             % {"count": count})
            if report.crowding:
                messages.warning(request, import_warning_html(report.crowding))
            return redirect("targets:list")
    status = 400 if (form.errors or (report and not report.ok)) else 200
    return render(request, "targets/target_import.html",
                  {"form": form, "report": report, "columns": column_descriptions()}, status=status)


@login
def target_import_sample(request):
    """A file to start from, in the importer's own layout (``csvio.sample_rows``)."""
    response = HttpResponse(sample_rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="targets-sample.csv"'
    return response


# Target lists

@login
def targetlist_list(request):
    visible_targets = Target.objects.visible_to(request.user).values("pk")
    lists = (
        TargetList.objects.visible_to(request.user)
        .annotate(size=Count("targets", filter=Q(targets__in=visible_targets)))
        .order_by("name", "pk")
    )
    page = paginate(lists, request.GET.get("page"), 50, 10000)
    return render(request, "targets/targetlist_list.html", {
        "page": page, "can_add": request.user.has_perm("targets.add_targetlist"),
    })


@global_perm("targets.add_targetlist")
def targetlist_create(request):
    form = TargetListForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        target_list = services.create_target_list(
            request.user, form.cleaned_data["name"], form.cleaned_data["view_groups"], form.cleaned_data["change_groups"]
        )
        messages.success(request, f"Created the list {target_list.name}.")
        return redirect(target_list)
    return render(request, "targets/targetlist_form.html", {"form": form}, status=400 if form.errors else 200)


@target_list_view()
def targetlist_detail(request, target_list):
    members = target_list.targets.visible_to(request.user).prefetch_related("names").order_by("name", "pk")
    page = paginate(members, request.GET.get("page"), settings.TARGET_LIST_PAGE_SIZE, settings.TARGET_LIST_COUNT_LIMIT)
    return render(request, "targets/targetlist_detail.html", {
        "target_list": target_list, "page": page,
        "can_change": has_object_perm(request.user, "change", target_list),
        "can_delete": has_object_perm(request.user, "delete", target_list),
    })


@target_list_view("change")
def targetlist_update(request, target_list):
    form = RenameTargetListForm(request.POST or None, initial={"name": target_list.name})
    if request.method == "POST" and form.is_valid():
        services.rename_target_list(target_list, form.cleaned_data["name"])
        messages.success(request, f"Renamed the list to {target_list.name}.")
        return redirect(target_list)
    return render(request, "targets/targetlist_form.html", {"form": form, "target_list": target_list},
                  status=400 if form.errors else 200)


@target_list_view("delete")
def targetlist_delete(request, target_list):
    return _confirm_then_delete(request, target_list, "target list",
                                f"Deleted the list {target_list.name} (its targets are kept).", "targets:lists")


@target_list_view("change")
@require_POST
def targetlist_remove(request, target_list):
    """Take the selected targets off this list (bulk select on the list page)."""
    ids = parse_ids(request.POST.getlist("targets"), "targets")
    if not ids:
        messages.error(request, "Nothing was removed: select at least one target.")
        return redirect(target_list)
    targets = Target.objects.visible_to(request.user).filter(pk__in=ids)
    removed = services.remove_from_list(target_list, targets)
    messages.success(request, ngettext("Removed %(count)d target from %(list)s.",
                                       "Removed %(count)d targets from %(list)s.", removed)
                     % {"count": removed, "list": target_list.name})
    return redirect(target_list)


@login
@require_POST
def targetlist_add(request):
    """Add the targets selected on the target list page to a list the user may change."""
    parse_ids(request.POST.getlist("targets"), "targets")  # before the form's query: a 400 naming the field
    parse_ids([value for value in request.POST.getlist("target_list") if value], "target_list")
    form = BulkTargetsForm(request.POST, user=request.user)
    if not form.is_valid() or not form.cleaned_data.get("target_list"):
        problems = "; ".join(m for messages_ in form.errors.values() for m in messages_) or "Choose a list."
        messages.error(request, f"Nothing was added: {problems}")
        return redirect(request.POST.get("next") if _safe_next(request) else "targets:list")
    target_list = form.cleaned_data["target_list"]
    added = services.add_to_list(target_list, form.cleaned_data["targets"])
    messages.success(request, ngettext("Added %(count)d target to %(list)s.", "Added %(count)d targets to %(list)s.",
                                       added) % {"count": added, "list": target_list.name})
    return redirect(target_list)


def _safe_next(request) -> bool:
    return url_has_allowed_host_and_scheme(request.POST.get("next"), allowed_hosts={request.get_host()})


def _warn_of_neighbours(request, target) -> None:
    if near := neighbours(request.user, target):
        messages.warning(request, warning_html(target, near))


def _errors_onto(form, exc: ValidationError) -> None:
    for name, msgs in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, msgs)

