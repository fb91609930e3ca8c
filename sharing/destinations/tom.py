"""Another TOM as a destination: one of ours or a TOM Toolkit TOM, spoken to over its REST API.

A share finds the target there by each of its names (or creates it, with no ids of ours, groups empty, lists by
name and where it came from), uploads the chosen data product files first (the receiver reads each into datums
that belong to it), then sends the datums in the wire format for a peer (``dataproducts.wire``): through the bulk
endpoint of one of ours, one POST each to a TOM Toolkit. A datum that came from the destination itself (it told us
its id at ``GET /api/``, and its requests carried it) is not sent back.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count
from django.utils.translation import ngettext

from dataproducts.models import Origin
from dataproducts.wire import PEER_FIELDS, Audience, datum_wire
from targets.models import ORBITAL_FIELDS, SIDEREAL_FIELDS, Target
from core.gcpause import gc_paused
from core.placeholders import has_value

from ..counts import Counts, Sent
from ..errors import basic_credentials
from ..preview import SHOWN, Preview, pretty
from ..selection import Selection, without_file_rows
from .base import Destination, EchoRule, base_url

PRODUCT_WORDS = {"created": "uploaded", "existing": "already there", "failed": "failed"}


def target_body(target: Target, user, lists: list[str]) -> dict:
    """A new target as a TOM Toolkit receiver accepts it: no ids, groups empty, lists by name, provenance."""
    body = {"name": target.name, "type": target.type, "scheme": target.scheme}
    for name in (*SIDEREAL_FIELDS, *ORBITAL_FIELDS):
        body[name] = getattr(target, name)
    body["aliases"] = [{"name": n} for n in target.alias_names()]
    body["targetextra_set"] = [{"key": e.key, "value": e.value} for e in target.extras.all()]
    body["groups"] = []
    body["target_lists"] = [{"name": n} for n in lists]
    body["shared_by"] = user.get_username() if user is not None else ""
    body["shared_from"] = settings.TOM_NAME
    return body


def _client(destination: TomDestination):
    """A client for one share (loaded where it is used: see ``sharing.destinations.base``)."""
    from ..clients.tom import TomClient

    return TomClient(destination)


def _lists(lists: tuple[str, ...]) -> list[str]:
    return [f"Imported From {settings.TOM_NAME}", *lists]


@dataclass(frozen=True)
class TomDestination(Destination):
    """Another TOM: one of ours or a TOM Toolkit TOM, spoken to over its REST API with a username and password."""

    username: str = field(default="", repr=False)
    password: str = field(default="", repr=False)

    kind = "tom"
    kind_label = "TOM"
    KEYS = ("USERNAME", "PASSWORD")

    @classmethod
    def from_entry(cls, key: str, display: str, entry: dict) -> TomDestination:
        problems: list[str] = []
        url = base_url(entry, problems)
        username, password = entry.get("USERNAME"), entry.get("PASSWORD")
        for name, value in (("USERNAME", username), ("PASSWORD", password)):
            if not has_value(value):
                problems.append(f"{name} is not set.")
        return cls(key, display, url, tuple(problems), username=str(username) if has_value(username) else "",
                   password=str(password) if has_value(password) else "")

    @property
    def secrets(self) -> tuple[str, ...]:
        return (self.password, basic_credentials(self.username, self.password)) if self.password else ()

    def identify(self) -> tuple[uuid.UUID | None, str]:
        """Its id and name at ``GET /api/`` on its configured ``BASE_URL`` (a TOM Toolkit gives none)."""
        if not self.configured:
            return None, ""
        client = _client(self)
        try:
            about = client.about()
        finally:
            client.close()
        try:
            peer_id = uuid.UUID(str(about.get("id") or "")[:100])
        except ValueError:
            return None, ""
        return peer_id, str(about.get("name") or "")[:200]

    def echo_rule(self, peer_id: uuid.UUID | None) -> EchoRule | None:
        """A datum is an echo when it came in through our API from a caller that claimed this TOM's id."""
        return EchoRule(Origin.API, uuid.UUID(str(peer_id))) if peer_id is not None else None

    def send(self, user, target: Target, chosen: Selection, lists: tuple[str, ...], text) -> Sent:
        client = _client(self)
        try:
            all_lists = _lists(lists)
            remote_id = client.find_target(target.all_names())
            if remote_id is None:
                remote_id = client.create_target(target_body(target, user, all_lists))
                sent = Sent(f"Created {target.name} in {self.display_name}.")
            else:
                client.add_to_lists(remote_id, all_lists)
                sent = Sent(f"{target.name} was already in {self.display_name}; added it to {', '.join(all_lists)}.")
            sent.remote_id = str(remote_id)
            # Products before datums: the receiver reads each file into datums that belong to the product; the
            # same datums sent first would have been stored loose (a TOM Toolkit then skips the file's rows).
            files = Counts()
            product_messages = []
            arrived = []
            for product in chosen.products:
                arrival = client.send_product(remote_id, product)
                files.add(arrival)
                product_messages.append(f" {product.filename}: {PRODUCT_WORDS[arrival]}.")
                if arrival != "failed":
                    arrived.append(product.pk)
            # A file refused there (a TOM Toolkit cannot read ours: its processor wants a "time" column) still
            # gets its rows there, as datums.
            datums = without_file_rows(chosen.datums, arrived)
            if chosen.count > 0 if chosen.count is not None and not arrived else datums.exists():
                with gc_paused():  # tens of thousands of small dicts: collections would rescan them all
                    counts = client.send_datums(remote_id, [
                        datum_wire(d, Audience.PEER)
                        for d in datums.values_list(*PEER_FIELDS, named=True).iterator(chunk_size=5000)])
                sent.counts = counts
                sent.message += (f" Data: {counts.created} new, {counts.existing} already there, "
                                 f"{counts.failed} failed.")
                if counts.reasons:
                    sent.message += " " + "; ".join(counts.reasons)
            sent.counts += files
            sent.message += "".join(product_messages)
            return sent
        finally:
            client.close()

    def preview(self, user, target: Target, chosen: Selection, lists: tuple[str, ...], text) -> Preview:
        all_lists = _lists(lists)
        result = Preview("tom")
        result.summary.append(f"The target is looked up in {self.display_name} by each of its names "
                              f"({', '.join(target.all_names())}); if it is not there, it is created as below, "
                              f"otherwise it is added to {', '.join(all_lists)}.")
        result.documents.append(("POST api/targets/ (when not found)", pretty(target_body(target, user, all_lists))))
        datums = without_file_rows(chosen.datums, [p.pk for p in chosen.products])
        by_type = dict(datums.order_by().values_list("data_type").annotate(n=Count("pk")))  # counted in SQL
        total = sum(by_type.values())
        result.summary.append(ngettext("%(count)d datum: ", "%(count)d datums: ", total) % {"count": total}
                              + (", ".join(f"{n} {t}" for t, n in sorted(by_type.items())) or "none") + ".")
        for datum in datums[:SHOWN]:
            result.documents.append(("A datum", pretty(datum_wire(datum, Audience.PEER))))
        if total > SHOWN:
            result.summary.append(ngettext(
                "The first %(shown)d datums are shown below; %(more)d more is sent alike.",
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
