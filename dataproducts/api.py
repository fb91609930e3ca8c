"""/api/reduceddatums/ and /api/dataproducts/: what TOM Toolkit senders call to share data, plus a bulk endpoint.

A duplicate is not an error: it is answered 200 with ``already_exists`` (the
TOM Toolkit 3.1 convention), never a 5xx. Data follow their target's
permissions: sending data needs change permission on the target, and a
target the caller may not change is reported as an invalid ``target``, as a
TOM Toolkit receiver does.
"""
from __future__ import annotations

import os
import uuid

from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import File, Form, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from core.api_json import FORM_CONTENT_TYPES, NotJson, loads_request
from core.gcpause import gc_paused
from core.ids import Id
from core.paging_api import Paged, page
from core.permissions import api_rule
from targets.models import Target

from .datums import DatumError, fingerprint, parse_datum
from .files import StorageUnavailable, download_response
from .models import DataProduct, Origin, ReducedDatum, data_product_types
from .permissions import data_product_for, datum_for
from .schemas import BulkSaved, DatumOut, DatumSaved, ProductOut, ProductSaved
from .services import check_upload_size, delete_data_product, save_datums, upload_data_product
from .wire import datum_wire

datums_router = Router(tags=["reduceddatums"])
products_router = Router(tags=["dataproducts"])

MAX_BULK = 50_000


def _sender_tom(request) -> str:
    """The sending TOM's name, when it says (our own senders do: X-TOM-Name). Shown to people, decides nothing."""
    return request.headers.get("X-TOM-Name", "")[:200]


def _sender_tom_id(request) -> uuid.UUID | None:
    """The id the sending TOM claims (our senders send X-TOM-Id; a TOM Toolkit sends none), recorded on the Ingest.

    A claim, not a proof: continuous sharing only uses it to leave out, for the TOM claimed, the data this
    caller itself sent (``sharing.echoes``), so a false claim can only keep the claimer's own data from going on.
    """
    value = request.headers.get("X-TOM-Id", "").strip()
    if not value:
        return None
    try:
        return uuid.UUID(value[:100])
    except ValueError:
        raise ValidationError({"X-TOM-Id": ["Not a UUID (this header names the sending TOM's id)."]}) from None


def _writable_target(request, value) -> Target:
    """The datum's target, if the caller may change it; otherwise the TOM Toolkit's "Invalid pk" error."""
    try:
        pk = int(value)
        if not 0 <= pk < 2**63:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"target": [f'Incorrect type. Expected pk value, received {type(value).__name__}.']}) from None
    target = Target.objects.filter(pk=pk).first()
    if target is None or not Target.objects.allows(request.user, "change", pk):
        raise ValidationError({"target": [f'Invalid pk "{pk}" - object does not exist.']})
    return target


def _body(request) -> dict:
    """JSON, or form-encoded with ``value`` as JSON text (both are what TOM Toolkit senders may use).
    JSON must be declared as such (415 otherwise: see core.api_json)."""
    if request.content_type in FORM_CONTENT_TYPES:
        body = request.POST.dict()
    elif not request.body:
        body = {}
    else:
        try:
            body = loads_request(request)
        except NotJson as exc:
            raise HttpError(415, str(exc)) from None
        except ValueError:
            raise ValidationError({"non_field_errors": ["The body is not valid JSON."]}) from None
    if not isinstance(body, dict):
        raise ValidationError({"non_field_errors": ["Send one JSON object."]})
    return body


def _parse(body: dict, default_source: str) -> dict:
    try:
        datum = parse_datum(body if body.get("timestamp") else {**body, "timestamp": _now()})
    except DatumError as exc:
        raise ValidationError({exc.field: [exc.message]}) from None
    if not datum["source_name"]:
        datum["source_name"] = default_source[:100]
    return datum


def _now() -> str:
    return timezone.now().isoformat()


@datums_router.post("/", response={200: DatumSaved, 201: DatumSaved}, exclude_unset=True, openapi_extra={
    "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}},
    summary="One datum, as TOM Toolkit senders post it")
@api_rule(kind="target", action="change", field="target")
def create_datum(request):
    body = _body(request)
    target = _writable_target(request, body.get("target"))
    datum = _parse(body, request.user.get_username())
    result = save_datums(target, [datum], origin=Origin.API, user=request.user, received_from=_sender_tom(request),
                         claimed_tom_id=_sender_tom_id(request))
    if result.created:
        stored = result.created_datums().get()
        return Status(201, {**datum_wire(stored), "message": "Data successfully uploaded."})
    stored = ReducedDatum.objects.filter(target=target, fingerprint=fingerprint(datum)).first()
    return Status(200, {**(datum_wire(stored) if stored else {}), "message": "Data already exists. Skipping upload.",
                 "already_exists": True})


BULK_SCHEMA = {
    "type": "object", "required": ["target", "datums"],
    "properties": {"target": {"type": "integer"}, "datums": {"type": "array", "items": {"type": "object"}}},
}


@datums_router.post("/bulk/", response=BulkSaved,
                    summary="Many datums for one target in one request (our senders use this)",
                    openapi_extra={"requestBody": {"content": {"application/json": {"schema": BULK_SCHEMA}}}})
@api_rule(kind="target", action="change", field="target")
def create_datums(request):
    """Each datum is reported as created, existing or rejected (with the reason); the good ones are
    stored in one transaction. The body is read directly (not through a schema): at 10,000 datums,
    validating them twice would cost more than storing them."""
    with gc_paused():
        return _create_datums(request)


def _create_datums(request):
    body = _body(request)
    datums = body.get("datums")
    if not isinstance(datums, list):
        raise ValidationError({"datums": ["Send a list of datums."]})
    if len(datums) > MAX_BULK:
        raise ValidationError({"datums": [f"At most {MAX_BULK:,} datums per request."]})
    target = _writable_target(request, body.get("target"))
    default_source = request.user.get_username()
    parsed, statuses, errors = [], ["rejected"] * len(datums), []
    for index, raw in enumerate(datums):
        try:
            parsed.append((index, _parse(raw if isinstance(raw, dict) else {}, default_source)))
        except ValidationError as exc:
            errors.append({"index": index,
                           "reason": "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())})
    saved = save_datums(target, [d for _, d in parsed], origin=Origin.API, user=request.user,
                        received_from=_sender_tom(request), claimed_tom_id=_sender_tom_id(request))
    for (index, _), status in zip(parsed, saved.statuses):
        statuses[index] = status
    return {
        "target": target.pk, "created": saved.created, "existing": saved.existing, "rejected": len(errors),
        "statuses": statuses,  # one per datum sent, in order: created, existing or rejected
        "errors": errors,  # why each rejected datum was rejected
        "message": f"{saved.created} created, {saved.existing} already there, {len(errors)} rejected.",
    }


@datums_router.get("/", response=Paged[DatumOut], summary="Reduced data the caller may view, newest first")
@api_rule(login=True)
def list_datums(request, target__id: Id | None = None, target: Id | None = None, data_type: str = "",
                source_name: str = "", data_product__id: Id | None = None):
    qs = ReducedDatum.objects.visible_to(request.user)
    target_id = target__id if target__id is not None else target
    if target_id is not None:
        qs = qs.filter(target_id=target_id)
    if data_type:
        qs = qs.filter(data_type=data_type.lower())
    if source_name:
        qs = qs.filter(source_name=source_name)
    if data_product__id is not None:
        qs = qs.filter(data_product_id=data_product__id)
    return page(request, qs.order_by("-timestamp", "-id"), datum_wire)


@datums_router.delete("/{int:datum_id}/", response={204: None}, summary="Delete one datum")
@api_rule(kind="reduceddatum", action="delete", fetch=datum_for, param="datum_id")
def delete_datum(request, datum: ReducedDatum):
    datum.delete()
    return Status(204, None)


def product_json(request, product: DataProduct) -> dict:
    return {
        "id": product.pk, "product_id": product.product_id, "target": product.target_id,
        "data": request.build_absolute_uri(f"/api/dataproducts/{product.pk}/download/"),
        "filename": product.filename, "extra_data": product.extra_data,
        "data_product_type": product.data_product_type, "featured": product.featured,
        "created": product.created.isoformat(),
    }


@products_router.post("/", response={200: ProductSaved, 201: ProductSaved}, exclude_unset=True,
                     summary="Upload a data product file (multipart)")
@api_rule(kind="target", action="change", field="target")
def upload_product(request, file: File[UploadedFile] = None, target: Form[str] = "",
                   data_product_type: Form[str] = "", product_id: Form[str] = "", extra_data: Form[str] = ""):
    if file is None:
        raise ValidationError({"file": ["No file was submitted (send it in the part named 'file')."]})
    check_upload_size(file)
    if data_product_type not in data_product_types():
        raise ValidationError({"data_product_type": [
            "Not a valid data_product_type. Valid data_product_types are: " + ", ".join(data_product_types()) + "."]})
    owner = _writable_target(request, target)
    file.name = os.path.basename(file.name or "upload")
    try:
        result = upload_data_product(owner, file, data_product_type, user=request.user, product_id=product_id,
                                     extra_data=extra_data, origin=Origin.API, received_from=_sender_tom(request),
                                     claimed_tom_id=_sender_tom_id(request),
                                     default_source=_sender_tom(request) or request.user.get_username())
    except StorageUnavailable as exc:
        raise HttpError(503, str(exc)) from None
    if result.already_uploaded:
        return Status(200, {**product_json(request, result.data_product), "already_exists": True,
                     "message": "Data product already exists. Skipping upload."})
    return Status(201, {**product_json(request, result.data_product), "reduced_datums": result.saved.created,
                 "message": "Data product successfully uploaded."})


@products_router.get("/", response=Paged[ProductOut], summary="Data products the caller may view")
@api_rule(login=True)
def list_products(request, target__id: Id | None = None, data_product_type: str = ""):
    qs = DataProduct.objects.visible_to(request.user)
    if target__id is not None:
        qs = qs.filter(target_id=target__id)
    if data_product_type:
        qs = qs.filter(data_product_type=data_product_type)
    return page(request, qs.order_by("-created", "-id"), lambda p: product_json(request, p))


@products_router.get("/{int:product_id}/download/", summary="The product's file", openapi_extra={
    "responses": {200: {"description": "The file, as an attachment",
                        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}})
@api_rule(kind="dataproduct", fetch=data_product_for, param="product_id")
def download_product(request, product: DataProduct):
    try:
        return download_response(product.data, product.filename)
    except StorageUnavailable as exc:
        raise HttpError(503, str(exc)) from None


@products_router.delete("/{int:product_id}/", response={204: None}, summary="Delete a product and its data")
@api_rule(kind="dataproduct", action="delete", fetch=data_product_for, param="product_id")
def delete_product(request, product: DataProduct):
    delete_data_product(product)
    return Status(204, None)
