"""Targets already in the TOM near a new one's position.

A TOM keeps one object per position unless its users mean two: a new target within
``TARGET_NEIGHBOUR_ARCSEC`` of one the user may view is still accepted (an astronomer may mean a second
object, and senders over the API cannot be asked), but the page, the import and the API answer name
and link the neighbour, so a duplicate under another name is noticed where it is made. Only targets the
user may view are looked at: a neighbour they may not see is never revealed, not even by a count.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterable

from django.conf import settings
from django.db.models import Exists, ExpressionWrapper, F, FloatField, OuterRef
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import ngettext

from .models import Target, separation_arcsec

# Most neighbours named for one target, most imported targets named in one warning, and most new targets
# looked at in one query (SQL parameters).
MOST_NAMED = 5
MOST_NAMED_IMPORTED = 10
CHUNK = 500
ADVICE = "If they are one object, keep one and add the other's name to it as an alias."


@dataclass(frozen=True)
class Neighbour:
    pk: int
    name: str
    separation: float  # arcsec

    @property
    def url(self) -> str:
        return reverse("targets:detail", args=[self.pk])

    def as_json(self) -> dict:
        return {"id": self.pk, "name": self.name, "separation_arcsec": round(self.separation, 3)}


def radius() -> float:
    """``TARGET_NEIGHBOUR_ARCSEC``; 0 (no check) for 0, a negative or a non-finite value."""
    value = float(settings.TARGET_NEIGHBOUR_ARCSEC)
    return value if math.isfinite(value) and value > 0 else 0.0


def neighbours(user, target: Target) -> list[Neighbour]:
    """The targets ``user`` may view within the radius of ``target`` (not itself), nearest first.

    One indexed cone search (``Target.objects.cone``).
    """
    if not radius() or target.ra is None or target.dec is None:
        return []
    near = Target.objects.visible_to(user).cone(target.ra, target.dec, radius()).exclude(pk=target.pk)
    rows = near.order_by("separation", "pk").values_list("pk", "name", "separation")[:MOST_NAMED]
    return [Neighbour(*row) for row in rows]


def having_neighbours(user, targets: Iterable[Target]) -> set[int]:
    """The pks of ``targets`` that have a neighbour ``user`` may view within the radius.

    For an import of thousands of rows: one query per ``CHUNK`` targets, each one's neighbours looked up
    through the (dec, ra) index (a declination band, then the exact distance) by an EXISTS. (Picking the
    nearest in the same query would need ORDER BY on the outer row, which SQLite refuses in a subquery.)
    """
    ids = [t.pk for t in targets if t.ra is not None and t.dec is not None]
    if not radius() or not ids:
        return set()
    band = radius() / 3600.0
    outer_ra, outer_dec = (ExpressionWrapper(OuterRef(name), output_field=FloatField()) for name in ("ra", "dec"))
    near = (
        Target.objects.visible_to(user)
        .filter(dec__gte=outer_dec - band, dec__lte=outer_dec + band, ra__isnull=False)
        .exclude(pk=OuterRef("pk"))
        .annotate(separation=separation_arcsec(F("ra"), F("dec"), outer_ra, outer_dec))
        .filter(separation__lte=radius())
    )
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = Target.objects.filter(pk__in=ids[start:start + CHUNK]).filter(Exists(near))
        found.update(chunk.values_list("pk", flat=True))
    return found


@dataclass
class Crowding:
    """What an import made near other targets: how many, and the first few with their nearest neighbour."""

    count: int = 0
    examples: list[tuple[Target, Neighbour]] = field(default_factory=list)
    more: int = 0  # of the count, imported targets the examples do not name

    def __bool__(self) -> bool:
        return self.count > 0


def crowding(user, created: list[Target]) -> Crowding:
    """``having_neighbours`` for the count, then a cone search for each of the first few (two rows of the
    file next to each other are one example)."""
    near_ids = having_neighbours(user, created)
    result = Crowding(count=len(near_ids))
    pairs: set[frozenset] = set()
    for target in created:
        if len(result.examples) == MOST_NAMED_IMPORTED:
            break
        if target.pk not in near_ids:
            continue
        nearest = neighbours(user, target)[:1]
        if nearest and frozenset((target.pk, nearest[0].pk)) not in pairs:
            pairs.add(frozenset((target.pk, nearest[0].pk)))
            result.examples.append((target, nearest[0]))
    named = {t.pk for t, _ in result.examples} | {n.pk for _, n in result.examples if n.pk in near_ids}
    result.more = result.count - len(named)
    return result


def _arcsec(value: float) -> str:
    return f"{value:.1f}\u2033"


def warning_text(name: str, near: list[Neighbour]) -> str:
    """The warning in plain text (the API's answer; pages link the names instead)."""
    listed = ", ".join(f"{n.name} ({_arcsec(n.separation)})" for n in near)
    return f"{name} is within {radius():g}\u2033 of {listed}, already in this TOM. {ADVICE}"


def warning_html(target: Target, near: list[Neighbour]) -> SafeString:
    """The page's warning: the neighbours linked, every name escaped."""
    links = format_html_join(", ", '<a href="{}">{}</a> ({})', ((n.url, n.name, _arcsec(n.separation)) for n in near))
    return format_html('<span id="neighbour-warning">{} is within {}\u2033 of {}, already in this TOM. {}</span>',
                       target.name, f"{radius():g}", links, ADVICE)


def import_warning_html(crowded: Crowding) -> SafeString:
    """One warning for an import: how many imported targets lie near another, the first few named and linked."""
    listed = format_html_join("; ", '<a href="{}">{}</a> is {} from <a href="{}">{}</a>', (
        (target.get_absolute_url(), target.name, _arcsec(near.separation), near.url, near.name)
        for target, near in crowded.examples))
    counted = ngettext("%(n)s imported target lies", "%(n)s imported targets lie", crowded.count) % {
        "n": f"{crowded.count:,}"}
    return format_html('<span id="neighbour-warning">{} within {}\u2033 of another target: '
                       "{}{}. {}</span>", counted, f"{radius():g}", listed,
                       f"; and {crowded.more} more" if crowded.more > 0 else "", ADVICE)
