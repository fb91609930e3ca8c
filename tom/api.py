"""The one NinjaAPI, with a router per app: /api/... and the TOM Toolkit's persistent-share paths under /targets/.

It is mounted at the site's root (``tom/urls.py``) so that one API, with one set of error handlers and one
schema (/api/openapi.json, shown at /api/docs), serves both prefixes.

Every response is JSON, errors included (TOM Toolkit senders show the body
of a 4xx to their users): field errors come back DRF-style,
``{"field": ["message"]}``, since that is what those senders expect.
"""
from __future__ import annotations

import logging

import orjson
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer

from core.api_json import NotJson, loads_request
from core.auth import API_AUTH
from core.identity import tom_id
from core.lockout import LockedOut
from core.permissions import api_rule
from dataproducts.api import datums_router, products_router
from sharing.continuous.api import persistentshare_router
from targets.api import lists_router, targets_router

logger = logging.getLogger(__name__)

API_VERSION = "1"


class FastParser(Parser):
    def parse_body(self, request):
        return loads_request(request)


class FastRenderer(JSONRenderer):
    def render(self, request, data, *, response_status):
        try:
            return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:  # something orjson does not know (a lazy string...): Django's encoder does
            return super().render(request, data, response_status=response_status)

api = NinjaAPI(
    title="TOM API",
    version=API_VERSION,
    description="Targets, reduced data and data products; accepts what TOM Toolkit TOMs send when they share.",
    urls_namespace="api",
    auth=API_AUTH,
    docs_url="/api/docs",
    openapi_url="/api/openapi.json",
    parser=FastParser(),
    renderer=FastRenderer(),
)


def _location(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "form", "file", "path")]
    return ".".join(parts) or "non_field_errors"


@api.exception_handler(NinjaValidationError)
def invalid_input(request, exc: NinjaValidationError):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_location(error.get("loc", ())), []).append(error.get("msg", "Invalid value."))
    return api.create_response(request, errors, status=400)


@api.exception_handler(ValidationError)
def refused(request, exc: ValidationError):
    body = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    body = {("non_field_errors" if k == "__all__" else k): v for k, v in body.items()}
    return api.create_response(request, body, status=400)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    response = api.create_response(
        request, {"detail": "Authentication credentials were not provided or are not valid."}, status=401
    )
    # Not "Basic": a browser answered with a Basic challenge asks for a password, then remembers it and sends
    # it with any request to this site, from any page (a cross-site form could then write through our API).
    # API clients send their credentials without being asked (requests' auth=, the TOM Toolkit's senders).
    response["WWW-Authenticate"] = 'Token realm="api"'
    return response


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": str(exc) or "You do not have permission to do this."}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    if str(exc).startswith("Cannot parse request body"):  # ninja's 400 for any failure of FastParser.parse_body
        cause = exc.__cause__
        if isinstance(cause, NotJson):
            return api.create_response(request, {"detail": str(cause)}, status=415)
        if isinstance(cause, ValueError):
            return api.create_response(request, {"detail": f"The body is not valid JSON: {cause}"}, status=400)
    if isinstance(exc, LockedOut):
        response = api.create_response(request, {"detail": str(exc), "retry_after": exc.retry_after}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(Exception)
def crashed(request, exc):
    logger.exception("API error on %s %s", request.method, request.path)
    return api.create_response(request, {"detail": "Internal error; it has been logged."}, status=500)


class Description(Schema):
    id: str
    name: str
    software: str
    api_version: str
    capabilities: list[str]
    endpoints: dict[str, str]


@api.get("/api/", response=Description, auth=None, summary="What this TOM is and what its API can do", tags=["tom"])
@api_rule(public=True)
def describe(request):
    """Lets a sender tell one of ours (bulk datums) from a TOM Toolkit peer, and learn our id.

    ``id`` is this TOM's identity (``core.identity``): a peer that shares with us continuously reads it here, at
    the BASE_URL it was configured with, to recognise data that came from us. ``name`` is for people only.
    """
    return {
        "id": tom_id(),
        "name": settings.TOM_NAME,
        "software": "tom",
        "api_version": API_VERSION,
        "capabilities": ["targets", "targetlists", "reduceddatums", "reduceddatums.bulk", "dataproducts"],
        "endpoints": {
            "targets": "/api/targets/", "targetlists": "/api/targetlists/", "reduceddatums": "/api/reduceddatums/",
            "reduceddatums_bulk": "/api/reduceddatums/bulk/", "dataproducts": "/api/dataproducts/",
        },
    }


api.add_router("/api/targets/", targets_router)
api.add_router("/api/targetlists/", lists_router)
api.add_router("/api/reduceddatums/", datums_router)
api.add_router("/api/dataproducts/", products_router)
api.add_router("/targets/", persistentshare_router)  # the TOM Toolkit's paths: /targets/persistentshare/...
