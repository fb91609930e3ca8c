"""What the Share tab selects: photometry by filter or by ticked rows, spectra, data products; for Hermes, words.

The page, its preview and its CSV download all go through :func:`selection`, so what is
previewed is exactly what is sent or downloaded. Datums are kept as a subquery of ids (never
a Python list): a filter can match a 100,000-point light curve.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from dataproducts.models import DataProduct, ReducedDatum
from targets.models import Target

TABLE_ROWS = 500  # photometry rows listed for ticking; larger sets are chosen by filter


@dataclass(frozen=True)
class PhotometryFilter:
    bandpasses: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    since: datetime | None = None  # aware
    until: datetime | None = None  # aware, inclusive

    def apply(self, datums: QuerySet) -> QuerySet:
        if self.bandpasses:
            datums = datums.filter(bandpass__in=self.bandpasses)
        if self.sources:
            datums = datums.filter(source_name__in=self.sources)
        if self.since:
            datums = datums.filter(timestamp__gte=self.since)
        if self.until:
            datums = datums.filter(timestamp__lte=self.until)
        return datums


def photometry(target: Target, flt: PhotometryFilter = PhotometryFilter()) -> QuerySet:
    return flt.apply(ReducedDatum.objects.filter(target=target, data_type="photometry")).order_by("timestamp", "id")


def spectra(target: Target) -> QuerySet:
    return ReducedDatum.objects.filter(target=target).exclude(data_type="photometry").order_by("timestamp", "id")


FILTER_CHOICES = 200  # bandpasses and sources offered by the filter (a peer can send 20,000 distinct ones)


def photometry_choices(target: Target) -> tuple[list[str], list[str]]:
    """The bandpasses and sources a target's photometry has (for the filter), the first FILTER_CHOICES of each."""
    rows = ReducedDatum.objects.filter(target=target, data_type="photometry")
    return tuple(list(rows.order_by(column).values_list(column, flat=True).distinct()[:FILTER_CHOICES])
                 for column in ("bandpass", "source_name"))


@dataclass
class Selection:
    """What one share sends: datums (a subquery, never a list of ids) and data product files.

    ``count``: how many datums, when whoever chose them counted already (the continuous-sharing worker counts
    once, echoes apart); ``None`` to count when needed.
    """

    datums: QuerySet  # ReducedDatum of the target, oldest first
    products: list[DataProduct]
    count: int | None = None

    @property
    def datum_ids(self) -> QuerySet:
        return self.datums.values("pk")


def selection(target: Target, scope: str, flt: PhotometryFilter, ticked=(), spectrum_ids=(),
              product_ids=(), all_spectra: bool = False, all_products: bool = False) -> Selection:
    """``scope``: ``matching`` (every photometry row the filter keeps), ``ticked`` (those rows ticked), ``none``.

    ``all_spectra`` / ``all_products``: every one of the target's, whatever was ticked (the page lists only
    the latest few for ticking).
    """
    chosen = Q(pk__in=[])
    if scope == "matching":
        chosen = Q(pk__in=photometry(target, flt).values("pk"))
    elif scope == "ticked" and ticked:
        chosen = Q(pk__in=photometry(target, flt).filter(pk__in=list(ticked)).values("pk"))
    if all_spectra:
        chosen |= Q(pk__in=spectra(target).values("pk"))
    elif spectrum_ids:
        chosen |= Q(pk__in=spectra(target).filter(pk__in=list(spectrum_ids)).values("pk"))
    datums = ReducedDatum.objects.filter(target=target).filter(chosen).order_by("timestamp", "id")
    products = DataProduct.objects.filter(target=target)
    products = list((products if all_products else products.filter(pk__in=list(product_ids))).order_by("pk"))
    return Selection(datums, products)


@dataclass(frozen=True)
class HermesText:
    """What a Hermes message says besides its data (the Share tab's title, message, authors and topic)."""

    title: str = ""
    message: str = ""
    authors: str = ""
    topic: str = ""  # one of the destination's USER_TOPICS; empty: the first of them


def without_file_rows(datums: QuerySet, product_pks) -> QuerySet:
    """The datums minus the rows read from these products: a file sent is read there, its rows come with it."""
    return datums.exclude(data_product__in=list(product_pks)) if product_pks else datums
