"""/api/targets/ and /api/targetlists/: what TOM Toolkit senders call to share a target, and more.

What TOM Toolkit senders rely on: ``name_fuzzy`` is split on commas and matched
against names and aliases in any spelling; incoming ``id``s are ignored;
0 is a valid coordinate; target lists arrive by name.
"""
from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import ngettext
from ninja import Router, Status

from core.ids import Id
from core.paging_api import Paged, page
from core.permissions import api_rule

from . import services
from .coordinates import CoordinateError, parse_dec, parse_ra, parse_radius_arcsec
from .models import Target, TargetExtra, TargetList
from .names import fuzzy_keys, simplify_name
from .neighbours import neighbours, warning_text
from .permissions import groups_for, groups_with, target_for, target_list_for
from .schemas import (
    NUMERIC_FIELDS,
    MembershipIn,
    MembershipOut,
    TargetIn,
    TargetListCreated,
    TargetListDetail,
    TargetListIn,
    TargetListOut,
    TargetOut,
    TargetPatch,
    TargetSaved,
    target_json,
)

targets_router = Router(tags=["targets"])
lists_router = Router(tags=["targetlists"])

MODEL_FIELDS = {f.name for f in Target._meta.get_fields()}


def _with_relations(queryset):
    return queryset.prefetch_related("names", "extras")


def _groups_for(user, requested) -> list[Group]:
    """Groups named (by id or name) in a request: the caller's own, or any for a superuser."""
    allowed = groups_for(user)
    groups = []
    for item in requested:
        group = allowed.filter(pk=item.id).first() if item.id else allowed.filter(name=item.name).first()
        if group is None:
            raise ValidationError({"groups": [f"{item.name or item.id!r} is not one of your groups."]})
        groups.append(group)
    return groups


def _lists_named(user, items) -> list[TargetList]:
    names = [item.name.strip() for item in items if item.name and item.name.strip()]
    return [services.target_list_named(user, name) for name in names]


def _cone(value: str):
    """``ra,dec,radius`` in degrees (the TOM Toolkit's filter); the radius may also carry its unit (5 arcsec)."""
    try:
        ra, dec, radius = (part.strip() for part in value.split(","))
    except ValueError:
        raise ValidationError({"cone_search": ["Give ra,dec,radius in degrees."]}) from None
    try:
        return parse_ra(ra), parse_dec(dec), parse_radius_arcsec(radius, default_unit="deg", label="Radius")
    except CoordinateError as exc:
        raise ValidationError({"cone_search": [str(exc)]}) from None


@targets_router.get("/", response=Paged[TargetOut], summary="Targets the caller may view, filtered")
@api_rule(login=True)
def list_targets(request, name_fuzzy: str = "", name: str = "", type: str = "", cone_search: str = "",
                 targetlist__name: Id | None = None, key: str = "", value: str = ""):
    qs = Target.objects.visible_to(request.user)
    if name_fuzzy:
        keys = set().union(*(fuzzy_keys(term) for term in name_fuzzy.split(",")))
        qs = qs.filter(pk__in=Target.objects.filter(names__key__in=keys).values("pk"))
    if name:
        condition = Q()
        for term in (t.strip() for t in name.split(",") if t.strip()):
            condition |= Q(names__name__icontains=term)
        qs = qs.filter(pk__in=Target.objects.filter(condition).values("pk"))
    if type:
        qs = qs.filter(type=type.upper())
    if cone_search:
        qs = qs.cone(*_cone(cone_search))
    if targetlist__name is not None:
        # A list the caller may not view is treated as one that does not exist: its members are not revealed.
        qs = qs.filter(target_lists__in=TargetList.objects.visible_to(request.user).filter(pk=targetlist__name))
    if key:
        extras = TargetExtra.objects.filter(key=key)
        if value:
            extras = extras.filter(value=value)
        qs = qs.filter(pk__in=extras.values("target_id"))
    return page(request, _with_relations(qs.order_by("-created", "-id")), target_json)


def _input(payload) -> services.TargetInput:
    fields = {field: getattr(payload, field) for field in ("name", "type", "scheme", *NUMERIC_FIELDS)}
    fields["name"] = (payload.name or "").strip()
    fields["type"] = (payload.type or "SIDEREAL").upper()
    fields["shared_by"] = (payload.shared_by or "")[:150]
    fields["shared_from"] = (payload.shared_from or "")[:200]
    extras = {e.key: "" if e.value is None else str(e.value) for e in payload.targetextra_set
              if e.key not in MODEL_FIELDS}  # the TOM Toolkit drops extras named like a field
    return services.TargetInput(fields, [a.name.strip() for a in payload.aliases if a.name.strip()], extras)


@targets_router.post("/", response={201: TargetSaved}, exclude_unset=True,
                     summary="Create a target (a TOM Toolkit share)")
@api_rule(perm="targets.add_target")
def create_target(request, payload: TargetIn):
    with transaction.atomic():
        groups = _groups_for(request.user, payload.groups)
        target = services.create_target(request.user, _input(payload), view_groups=groups, change_groups=groups,
                                        target_lists=_lists_named(request.user, payload.target_lists))
    target = _with_relations(Target.objects.filter(pk=target.pk)).get()
    body = {**target_json(target, groups), "message": "Target successfully uploaded."}
    if near := neighbours(request.user, target):
        # Accepted all the same (a sender cannot be asked); its message is what TOM Toolkit senders show.
        warning = warning_text(target.name, near)
        body.update(message=f"{body['message']} Warning: {warning}", warnings=[warning],
                    neighbours=[n.as_json() for n in near])
    return Status(201, body)


@targets_router.get("/{int:target_id}/", response=TargetOut, summary="One target")
@api_rule(kind="target", fetch=target_for, param="target_id")
def get_target(request, target: Target):
    return target_json(_with_relations(Target.objects.filter(pk=target.pk)).get(), groups_with(target, "view"))


@targets_router.patch("/{int:target_id}/", response=TargetSaved, exclude_unset=True,
                      summary="Change a target; TOM Toolkit senders add list memberships")
@api_rule(kind="target", action="change", fetch=target_for, param="target_id")
def patch_target(request, target: Target, payload: TargetPatch):
    sent = payload.model_fields_set
    with transaction.atomic():
        if sent - {"target_lists"}:
            current = _with_relations(Target.objects.filter(pk=target.pk)).get()
            fields = {f: getattr(current, f) for f in services.TARGET_FIELDS}
            for field in ("name", "type", "ra", "dec"):
                if field in sent and getattr(payload, field) is not None:
                    fields[field] = getattr(payload, field)
            aliases = current.alias_names()
            if payload.aliases is not None:
                aliases += [a.name for a in payload.aliases if simplify_name(a.name) not in
                            {simplify_name(n) for n in current.all_names()}]
            extras = {e.key: e.value for e in current.extras.all()}
            if payload.targetextra_set is not None:
                extras.update({e.key: "" if e.value is None else str(e.value) for e in payload.targetextra_set
                               if e.key not in MODEL_FIELDS})
            services.update_target(current, services.TargetInput(fields, aliases, extras), user=request.user)
        for target_list in _lists_named(request.user, payload.target_lists or []):
            services.add_to_list(target_list, [target])
    target = _with_relations(Target.objects.filter(pk=target.pk)).get()
    return {**target_json(target, groups_with(target, "view")), "message": "Target successfully updated."}


@targets_router.delete("/{int:target_id}/", response={204: None}, summary="Delete a target and its data")
@api_rule(kind="target", action="delete", fetch=target_for, param="target_id")
def delete_target(request, target: Target):
    target.delete()
    return Status(204, None)


@lists_router.get("/", response=Paged[TargetListOut], summary="Target lists the caller may view")
@api_rule(login=True)
def list_lists(request):
    qs = TargetList.objects.visible_to(request.user).order_by("name", "pk")
    return page(request, qs, lambda tl: {"id": tl.pk, "name": tl.name, "created": tl.created.isoformat()})


@lists_router.post("/", response={201: TargetListCreated}, summary="Create a target list")
@api_rule(perm="targets.add_targetlist")
def create_list(request, payload: TargetListIn):
    target_list = services.create_target_list(request.user, payload.name)
    return Status(201, {"id": target_list.pk, "name": target_list.name, "message": "Target list created."})


@lists_router.get("/{int:list_id}/", response=TargetListDetail,
                  summary="A target list and the targets in it the caller may view")
@api_rule(kind="targetlist", fetch=target_list_for, param="list_id")
def get_list(request, target_list: TargetList):
    ids = list(target_list.targets.visible_to(request.user).order_by("pk").values_list("pk", flat=True))
    return {"id": target_list.pk, "name": target_list.name, "created": target_list.created.isoformat(), "targets": ids}


@lists_router.post("/{int:list_id}/targets/", response=MembershipOut,
                   summary="Add targets to a list, or remove them (action=remove)")
@api_rule(kind="targetlist", action="change", fetch=target_list_for, param="list_id")
def change_membership(request, target_list: TargetList, payload: MembershipIn):
    if payload.action not in ("add", "remove"):
        raise ValidationError({"action": ["Use add or remove."]})
    targets = list(Target.objects.visible_to(request.user).filter(pk__in=payload.targets))
    missing = sorted(set(payload.targets) - {t.pk for t in targets})
    if missing:
        raise ValidationError({"targets": [f"No target you may view has id {i}." for i in missing]})
    changed = (services.add_to_list if payload.action == "add" else services.remove_from_list)(target_list, targets)
    words = (ngettext("Added %(count)d target.", "Added %(count)d targets.", changed) if payload.action == "add" else
             ngettext("Removed %(count)d target.", "Removed %(count)d targets.", changed))
    return {"id": target_list.pk, "changed": changed, "message": words % {"count": changed}}
