"""The API's paging policy (every list operation under the API uses it; pages use ``core.paging_pages``).

DRF-style limit/offset pages (``count``, ``next``, ``previous``, ``results``), as TOM Toolkit clients read them:
``?limit=`` (default 100, at most 1000) and ``?offset=``. ``count`` is exact, since those clients read it: one
COUNT of the rows the caller may see, per request.
"""
from __future__ import annotations

from typing import Generic, TypeVar

from django.http import QueryDict
from ninja import Schema

T = TypeVar("T")



class Paged(Schema, Generic[T]):
    """A page of a list, as :func:`page` answers it: ``response=Paged[ItemSchema]`` on a list operation."""

    count: int
    next: str | None
    previous: str | None
    results: list[T]


DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def _int(value, default: int, low: int, high: int) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


def page(request, queryset, serialise) -> dict:
    limit = _int(request.GET.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset = _int(request.GET.get("offset"), 0, 0, 10**9)
    count = queryset.count()
    rows = [serialise(obj) for obj in queryset[offset: offset + limit]]

    def link(new_offset: int) -> str:
        query: QueryDict = request.GET.copy()
        query["limit"] = str(limit)
        query["offset"] = str(new_offset)
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return {
        "count": count,
        "next": link(offset + limit) if offset + limit < count else None,
        "previous": link(max(0, offset - limit)) if offset > 0 else None,
        "results": rows,
    }
