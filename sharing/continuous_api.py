"""The PersistentShare REST API at the TOM Toolkit's paths, under /targets/ (not /api/).

``/targets/persistentshare/`` (list, create), ``/targets/persistentshare/<pk>/``
(get, PATCH, delete), ``/targets/<target_pk>/persistentshare/`` (one target's), plus
``/targets/persistentshare/<pk>/retry/`` and ``.../resume/`` (a paused share,
now in the caller's name). Who may do what is ``sharing.permissions``, as on
the pages. Its own NinjaAPI (mounted in
``tom/urls.py``) with the main API's authentication (session with CSRF, HTTP
Basic, token) and error handlers: every answer is JSON. The request field
``share_existing_data`` is the TOM Toolkit's, and so is ``destination`` written
``key:topic`` for a Hermes topic (``hermes:tomtoolkit.test``); a duplicate is
refused under ``non_field_errors``, as DRF answers the TOM Toolkit's.
"""
from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from targets.models import Target
from tom import api as main_api
from tom.apipaging import Id, page
from tom.auth import API_AUTH

from . import continuous
from .permissions import ADD, SHARE_NEEDS, VIEW, may, may_share, share_for, shares_visible_to
from .models import Delivery, PersistentShare

continuous_api = NinjaAPI(
    title="Continuous sharing API",
    version=main_api.API_VERSION,
    description="PersistentShare objects: a target's new data shared automatically with a DATA_SHARING destination.",
    urls_namespace="persistentshare-api",
    auth=API_AUTH,
    docs_url=None,
    openapi_url="persistentshare/openapi.json",
    parser=main_api.FastParser(),
    renderer=main_api.FastRenderer(),
)
for exception, handler in ((NinjaValidationError, main_api.invalid_input), (ValidationError, main_api.refused),
                           (AuthenticationError, main_api.unauthenticated), (PermissionDenied, main_api.forbidden),
                           (Http404, main_api.not_found), (HttpError, main_api.http_error),
                           (Exception, main_api.crashed)):
    continuous_api.add_exception_handler(exception, handler)


class PersistentShareIn(Schema):
    target: Id
    destination: str = Field(description="A DATA_SHARING key, or key:topic for a topic of a Hermes destination")
    topic: str = Field("", description="A topic of the Hermes destination's USER_TOPICS (empty: the first)")
    share_existing_data: bool = False


class PersistentSharePatch(Schema):
    """What a PATCH may change (the TOM Toolkit's serializer takes target, destination and user; here the target
    and owner are not edited, and our ``topic``, ``enabled`` and ``share_existing_data`` are)."""

    target: Id | None = Field(None, description="Only its own target (a share does not move to another)")
    destination: str | None = None
    topic: str | None = None
    enabled: bool | None = None
    share_existing_data: bool = False
    user: Id | None = Field(None, description="Only its own owner (the owner is who created, resumed or redirected it)")


class PersistentShareOut(Schema):
    id: int
    target: int
    destination: str
    topic: str
    user: int | None
    created: datetime
    enabled: bool
    last_delivery: datetime | None
    last_error: str
    retry_at: datetime | None
    sent_count: int
    skipped_count: int
    failed_count: int
    waiting: int
    paused: str  # why it sends nothing now (its owner may no longer share); "" while it sends


def annotated(queryset):
    """Each share with how many deliveries wait (one query for the whole page)."""
    waiting = Q(deliveries__status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING])
    return queryset.annotate(waiting=Count("deliveries", filter=waiting)).order_by("-created", "-id")


def share_json(share: PersistentShare) -> dict:
    return {"id": share.pk, "target": share.target_id, "destination": share.destination, "topic": share.topic,
            "user": share.user_id,
            "created": share.created, "enabled": share.enabled, "last_delivery": share.last_delivery,
            "last_error": share.last_error, "retry_at": share.retry_at, "sent_count": share.sent_count,
            "skipped_count": share.skipped_count, "failed_count": share.failed_count, "paused": share.paused_reason,
            "waiting": share.waiting if hasattr(share, "waiting") else share.deliveries.filter(
                status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]).count()}


def _need(user, perm: str, words: str) -> None:
    if not may(user, perm):
        raise PermissionDenied(f"You do not have permission to {words} ({perm}).")


@continuous_api.get("persistentshare/", tags=["persistentshare"], summary="Continuous shares you may see")
def list_shares(request):
    _need(request.user, VIEW, "view continuous shares")
    return page(request, annotated(shares_visible_to(request.user)), share_json)


@continuous_api.post("persistentshare/", response={201: PersistentShareOut}, tags=["persistentshare"],
                     summary="Share a target's new data continuously")
def create_share(request, payload: PersistentShareIn):
    _need(request.user, ADD, "add continuous shares")
    target = Target.objects.visible_to(request.user).filter(pk=payload.target).first()
    if target is None:
        raise ValidationError({"target": [f"No target {payload.target}."]})
    if not may_share(request.user, target):  # the TOM Toolkit answers a target one may not change as invalid
        raise ValidationError({"target": [f"You may not share {target.name} (that needs {SHARE_NEEDS})."]})
    share = continuous.create_persistent_share(request.user, target, payload.destination,
                                               share_existing_data=payload.share_existing_data, topic=payload.topic)
    return Status(201, share_json(share))


@continuous_api.get("persistentshare/{int:pk}/", response=PersistentShareOut, tags=["persistentshare"])
def get_share(request, pk: Id):
    return share_json(share_for(request.user, pk))


@continuous_api.patch("persistentshare/{int:pk}/", response=PersistentShareOut, tags=["persistentshare"],
                      summary="Change where a share sends, switch it on or off, or send its target's data so far")
def change_share(request, pk: Id, payload: PersistentSharePatch):
    share = share_for(request.user, pk, "change")
    if payload.target is not None and payload.target != share.target_id:
        raise ValidationError({"target": ["A continuous share stays with its target: delete it and create one for "
                                          "the other target."]})
    if payload.user is not None and payload.user != share.user_id:
        raise ValidationError({"user": ["The owner is whoever created the share, resumed it or changed where it "
                                        "sends; it is not set by hand."]})
    continuous.change_persistent_share(share, request.user, destination_key=payload.destination, topic=payload.topic,
                                       enabled=payload.enabled, share_existing_data=payload.share_existing_data)
    return share_json(share_for(request.user, pk))


@continuous_api.delete("persistentshare/{int:pk}/", response={204: None}, tags=["persistentshare"])
def delete_share(request, pk: Id):
    continuous.delete_persistent_share(share_for(request.user, pk, "delete"))
    return Status(204, None)


@continuous_api.post("persistentshare/{int:pk}/retry/", response=PersistentShareOut, tags=["persistentshare"],
                     summary="Send what waits or failed now, without waiting for the backoff")
def retry_share(request, pk: Id):
    share = share_for(request.user, pk, "retry")
    continuous.retry_now(share)
    return share_json(share_for(request.user, pk))


@continuous_api.post("persistentshare/{int:pk}/resume/", response=PersistentShareOut, tags=["persistentshare"],
                     summary="Resume a paused share; its data go in your name from now on")
def resume_share(request, pk: Id):
    continuous.resume_share(share_for(request.user, pk, "resume"), request.user)
    return share_json(share_for(request.user, pk))


@continuous_api.get("{int:target_pk}/persistentshare/", tags=["persistentshare"], summary="One target's continuous shares")
def list_target_shares(request, target_pk: Id):
    target = Target.objects.visible_to(request.user).filter(pk=target_pk).first()
    if target is None:
        raise Http404
    _need(request.user, VIEW, "view continuous shares")
    return page(request, annotated(shares_visible_to(request.user, target)), share_json)
