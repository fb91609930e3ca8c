"""The pages' paging policy (every HTML page that lists rows uses it; the API's is ``core.paging_api``):
a page costs the same on a million rows as on a hundred.

``?page=N``, clamped to 1..MAX_PAGE. Django's Paginator counts every matching row on each page view; on a large,
permission-filtered table that count costs more than the page. Here the page
is fetched with one extra row (to know whether there is a next page), and the
count stops at a limit, beyond which the page says "10,000+".
"""
from __future__ import annotations

from dataclasses import dataclass

# Page numbers stop here: the database turns a larger OFFSET into an error (SQLite: "datatype mismatch" past
# 2**63, PostgreSQL: "bigint out of range"), and no table here has a billion pages.
MAX_PAGE = 10**9


@dataclass
class Page:
    objects: list
    number: int
    page_size: int
    has_next: bool
    count: int
    count_capped: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_number(self) -> int:
        return self.number + 1

    @property
    def previous_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.page_size + 1 if self.objects else 0

    @property
    def end_index(self) -> int:
        return (self.number - 1) * self.page_size + len(self.objects) if self.objects else 0

    @property
    def last_number(self) -> int | None:
        """The last page's number, when the count is exact."""
        if self.count_capped:
            return None
        return max(1, -(-self.count // self.page_size))


def page_number(value) -> int:
    """The ``?page=`` number, clamped to 1..MAX_PAGE; anything that is not a number is page 1."""
    try:
        return min(MAX_PAGE, max(1, int(value)))
    except (TypeError, ValueError):  # int() refuses more than 4300 digits with ValueError too
        return 1


def _capped_count(queryset, cap: int) -> int:
    # Ordered by -pk: without an order SQLite walks whichever index is smallest (ra), which visits rows in
    # random order and makes each row's permission check land on a different index page (70 ms vs 15 ms at 1M).
    return queryset.order_by("-pk").values("pk")[:cap + 1].count()


def paginate(queryset, number, page_size: int, count_limit: int, count_queryset=None) -> Page:
    """A page of ``queryset``; ``count_queryset``, when given, counts the same rows more cheaply."""
    number = page_number(number)
    offset = (number - 1) * page_size
    rows = list(queryset[offset: offset + page_size + 1])
    has_next = len(rows) > page_size
    rows = rows[:page_size]
    if rows and not has_next:
        return Page(rows, number, page_size, False, offset + len(rows), False)
    # Count at least to the end of this page, so a deep page never says "1226-1250 of 1000+".
    cap = max(count_limit, offset + page_size)
    if count_queryset is not None:
        # driven by its own index (a name search: the names' keys); no order, so it can stop at the cap
        count = count_queryset.order_by().values("pk")[:cap + 1].count()
    else:
        count = _capped_count(queryset, cap)
    capped = count > cap
    return Page(rows, number, page_size, has_next, min(count, cap), capped)
