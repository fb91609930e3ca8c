"""What the data API answers (``response=`` of each operation in ``dataproducts.api``).

Field for field and in this order, the JSON TOM Toolkit clients read (its "legacy wire format" of a datum, plus
our id and provenance); dates are ISO 8601 text, as ``datum_json`` and ``product_json`` write them.
"""
from __future__ import annotations

from typing import Any, Optional

from ninja import Schema


class DatumOut(Schema):
    id: int
    target: int
    data_product: Optional[int]
    data_type: str
    source_name: str
    source_location: str
    timestamp: str
    value: dict[str, Any]


class DatumSaved(Schema):
    """The datum sent, as stored (when it is found: a duplicate is answered with ``already_exists``)."""

    id: Optional[int] = None
    target: Optional[int] = None
    data_product: Optional[int] = None
    data_type: Optional[str] = None
    source_name: Optional[str] = None
    source_location: Optional[str] = None
    timestamp: Optional[str] = None
    value: dict[str, Any] = {}
    message: str
    already_exists: bool = False


class RejectedDatum(Schema):
    index: int
    reason: str


class BulkSaved(Schema):
    target: int
    created: int
    existing: int
    rejected: int
    statuses: list[str]  # one per datum sent, in order: created, existing or rejected
    errors: list[RejectedDatum]  # why each rejected datum was rejected
    message: str


class ProductOut(Schema):
    id: int
    product_id: Optional[str]
    target: int
    data: str
    filename: str
    extra_data: str
    data_product_type: str
    featured: bool
    created: str


class ProductSaved(ProductOut):
    reduced_datums: int = 0
    already_exists: bool = False
    message: str
