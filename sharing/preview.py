"""Exactly what a share will send, shown before sending: nothing is contacted to build it."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils.translation import ngettext

from targets.models import Target

from .destinations import HermesDestination, TomDestination
from .errors import SharingError
from .selection import Selection
from .services import HermesText, datum_body, target_body, without_file_rows

SHOWN = 5  # datums or rows shown in full; the rest are counted


@dataclass
class Preview:
    kind: str
    summary: list[str] = field(default_factory=list)
    documents: list[tuple[str, str]] = field(default_factory=list)  # (caption, pretty JSON)
    errors: list[str] = field(default_factory=list)


def _pretty(value) -> str:
    return json.dumps(value, indent=2, default=str, ensure_ascii=False)


def preview(dest, user, target: Target, chosen: Selection, lists: tuple[str, ...], text: HermesText) -> Preview:
    if isinstance(dest, HermesDestination):
        return _hermes_preview(dest, user, target, chosen, text)
    if not isinstance(dest, TomDestination):
        return Preview("none", errors=["Choose a destination."])
    all_lists = [f"Imported From {settings.TOM_NAME}", *lists]
    result = Preview("tom")
    result.summary.append(f"The target is looked up in {dest.display_name} by each of its names "
                          f"({', '.join(target.all_names())}); if it is not there, it is created as below, "
                          f"otherwise it is added to {', '.join(all_lists)}.")
    result.documents.append(("POST api/targets/ (when not found)", _pretty(target_body(target, user, all_lists))))
    datums = without_file_rows(chosen.datums, [p.pk for p in chosen.products])
    by_type = dict(datums.order_by().values_list("data_type").annotate(n=Count("pk")))  # counted in SQL
    total = sum(by_type.values())
    result.summary.append(ngettext("%(count)d datum: ", "%(count)d datums: ", total) % {"count": total}
                          + (", ".join(f"{n} {t}" for t, n in sorted(by_type.items())) or "none") + ".")
    for datum in datums[:SHOWN]:
        result.documents.append(("A datum", _pretty(datum_body(datum))))
    if total > SHOWN:
        result.summary.append(ngettext("The first %(shown)d datums are shown below; %(more)d more is sent alike.",
                                       "The first %(shown)d datums are shown below; %(more)d more are sent alike.",
                                       total - SHOWN) % {"shown": SHOWN, "more": total - SHOWN})
    for product in chosen.products[:SHOWN]:
        result.summary.append(f"The file {product.filename} ({product.data_product_type}) is uploaded first; "
                              "its rows are read from it there (sent as datums only if it refuses the file).")
    if len(chosen.products) > SHOWN:
        more = len(chosen.products) - SHOWN
        result.summary.append(ngettext("%(count)d more file is uploaded alike.",
                                       "%(count)d more files are uploaded alike.", more) % {"count": more})
    return result


def _hermes_preview(dest, user, target, chosen: Selection, text: HermesText) -> Preview:
    from .hermes import build_messages, encoded

    result = Preview("hermes")
    if chosen.products:
        result.summary.append("Data product files are not sent to Hermes; only datums are.")
    try:
        messages = build_messages(dest, user, target, chosen.datums, text)
    except SharingError as exc:  # a row Hermes would reject, named: shown, nothing sent
        result.errors.append(exc.message)
        return result
    result.summary.append(ngettext("%(count)d message to %(name)s.", "%(count)d messages to %(name)s.", len(messages))
                          % {"count": len(messages), "name": dest.display_name}
                          + (f" The first {SHOWN} are shown below." if len(messages) > SHOWN else ""))
    for number, message in enumerate(messages[:SHOWN], start=1):
        size = len(encoded(message))  # the bytes hop-client writes, which the Kafka limit applies to
        shown = json.loads(json.dumps(message, default=str))
        for table in ("photometry", "spectroscopy"):
            rows = shown.get("data", {}).get(table) or []
            if len(rows) > SHOWN:
                more = len(rows) - SHOWN
                rest = ngettext("... %(count)d more %(table)s row", "... %(count)d more %(table)s rows", more)
                shown["data"][table] = rows[:SHOWN] + [rest % {"count": more, "table": table}]
        result.documents.append((f"Message {number} of {len(messages)} ({size:,} bytes)", _pretty(shown)))
    return result
