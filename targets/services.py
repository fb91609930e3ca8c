"""Creating, changing and deleting targets and target lists.

Every path that writes targets (pages, CSV import, the admin through model
validation, and later the API and stream handlers) goes through here, so the
rules are written once: names unique in any spelling, the TOM Toolkit's
required fields per target type, coordinates in range, one transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .models import (
    ORBITAL_FIELDS,
    SIDEREAL_FIELDS,
    Target,
    TargetExtra,
    TargetList,
    TargetName,
    check_names,
    check_required,
)
from .names import simplify_name
from .permissions import grant_access, set_group_access

TARGET_FIELDS = ("name", "type", *SIDEREAL_FIELDS, "scheme", *ORBITAL_FIELDS, "shared_by", "shared_from")
# What one target may carry (a peer's POST is otherwise bounded only by the request size): far above any
# real target's, low enough that its page and its exports stay small.
MAX_ALIASES = 200
MAX_EXTRAS = 1000


@dataclass
class TargetInput:
    """Everything that describes a target, already parsed (coordinates in degrees)."""

    fields: dict
    aliases: list[str] = field(default_factory=list)
    extras: dict[str, str] = field(default_factory=dict)


def check_extras(extras: dict) -> str | None:
    """What is wrong with a target's extra fields, if anything (the first problem found)."""
    if len(extras) > MAX_EXTRAS:
        return f"{len(extras):,} extra fields; a target may have at most {MAX_EXTRAS}."
    for key, value in extras.items():
        text = "" if value is None else str(value)
        if not key.strip():
            return "An extra field needs a key."
        if "\x00" in key or "\x00" in text:
            # PostgreSQL refuses NUL in text (a 500 there, from a CSV import's extra column); SQLite kept it
            return f"Extra field {key.replace(chr(0), '')[:20]!r} holds a NUL character."
        if len(key) > 200:
            return f"Extra key {key[:20]!r}... is longer than 200 characters."
        if len(text) > settings.TEXT_VALUE_MAX_LENGTH:
            return (f"The value of extra field {key!r} is {len(text):,} characters long; "
                    f"at most {settings.TEXT_VALUE_MAX_LENGTH:,} are kept (TEXT_VALUE_MAX_LENGTH).")
    return None


def validate(data: TargetInput, target: Target | None = None, user=None) -> None:
    """Every rule a target's input must meet; ``user`` (who is asking) decides what a name clash may name."""
    errors = check_required(data.fields)
    if len(data.aliases) > MAX_ALIASES:
        raise ValidationError({"aliases": f"{len(data.aliases):,} aliases; a target may have at most {MAX_ALIASES}."})
    if len(data.extras) > MAX_EXTRAS:
        raise ValidationError({"extras": f"{len(data.extras):,} extra fields; a target may have at most {MAX_EXTRAS}."})
    errors.update(check_names(data.fields.get("name", ""), data.aliases, target, user))
    if problem := check_extras(data.extras):
        errors.setdefault("extras", problem)
    if errors:
        raise ValidationError(errors)


def _apply(target: Target, data: TargetInput) -> None:
    for name in TARGET_FIELDS:
        if name in data.fields:
            value = data.fields[name]
            if value is None and name in ("scheme", "shared_by", "shared_from"):
                value = ""
            setattr(target, name, value)
    try:
        target.full_clean(exclude=["name"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


def _write_names_and_extras(target: Target, data: TargetInput) -> None:
    TargetName.objects.bulk_create([TargetName(target=target, name=a, key=simplify_name(a)) for a in data.aliases])
    for key, value in data.extras.items():
        extra = TargetExtra(target=target, key=key.strip(), value="" if value is None else str(value))
        extra.save()


def _integrity_error(exc: IntegrityError) -> ValidationError:
    # A concurrent writer took a name between our check and our insert; say so in words.
    return ValidationError({"name": "A target with this name or alias was created at the same moment; try again."})


@transaction.atomic
def create_target(
    user, data: TargetInput, view_groups=(), change_groups=(), target_lists: Iterable[TargetList] = ()
) -> Target:
    """Create a target with its names, extras, list memberships and permissions, all or nothing."""
    validate(data, user=user)
    target = Target()
    _apply(target, data)
    try:
        with transaction.atomic():
            target.save()
            _write_names_and_extras(target, data)
    except IntegrityError as exc:
        raise _integrity_error(exc) from None
    grant_access(target, user, view_groups, change_groups)
    for target_list in target_lists:
        target_list.targets.add(target)
    return target


@transaction.atomic
def update_target(target: Target, data: TargetInput, view_groups=None, change_groups=None, *, user=None) -> Target:
    """Replace a target's fields, aliases and extras, as ``user``.

    Groups are changed only when given, and then only those ``user`` could choose (``set_group_access``).
    """
    validate(data, target, user)
    _apply(target, data)
    try:
        with transaction.atomic():
            target.names.filter(primary=False).delete()
            target.extras.all().delete()
            target.save()
            _write_names_and_extras(target, data)
    except IntegrityError as exc:
        raise _integrity_error(exc) from None
    if view_groups is not None and change_groups is not None:
        set_group_access(target, view_groups, change_groups, user)
    return target


@transaction.atomic
def create_target_list(user, name: str, view_groups=(), change_groups=(), targets: Iterable[Target] = ()) -> TargetList:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A target list needs a name."})
    target_list = TargetList.objects.create(name=name[:200])
    grant_access(target_list, user, view_groups, change_groups)
    target_list.targets.add(*targets)
    return target_list


def target_list_named(user, name: str) -> TargetList:
    """The list called ``name`` that ``user`` may change (the oldest), else a new one of theirs.

    Receiving TOMs find lists by name (``Imported From <TOM>``); names need not be unique.
    """
    existing = TargetList.objects.permitted(user, "change").filter(name=name[:200]).order_by("created", "pk").first()
    return existing or create_target_list(user, name)


def rename_target_list(target_list: TargetList, name: str) -> TargetList:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A target list needs a name."})
    target_list.name = name[:200]
    target_list.save(update_fields=["name", "modified"])
    return target_list


def add_to_list(target_list: TargetList, targets: Iterable[Target]) -> int:
    """Add targets (already checked visible) to a list; returns how many were not members yet."""
    targets = list(targets)
    existing = set(target_list.targets.filter(pk__in=[t.pk for t in targets]).values_list("pk", flat=True))
    target_list.targets.add(*targets)
    return len({t.pk for t in targets} - existing)


def remove_from_list(target_list: TargetList, targets: Iterable[Target]) -> int:
    targets = list(targets)
    present = target_list.targets.filter(pk__in=[t.pk for t in targets]).count()
    target_list.targets.remove(*targets)
    return present
