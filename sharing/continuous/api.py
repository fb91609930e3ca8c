"""The PersistentShare REST API at the TOM Toolkit's paths, under /targets/ (not /api/).

``/targets/persistentshare/`` (list, create), ``/targets/persistentshare/<pk>/``
(get, PATCH, delete), ``/targets/<target_pk>/persistentshare/`` (one target's), plus
``/targets/persistentshare/<pk>/retry/`` and ``.../resume/`` (a paused share,
now in the caller's name). Who may do what is ``sharing.permissions``, as on
the pages. A router of the one API (``tom/api.py`` mounts it at /targets/), so it
has the API's authentication (session with CSRF, HTTP Basic, token) and error
handlers: every answer is JSON, one of the schemas below (a page of shares
included), and /api/docs lists it. The request field
``share_existing_data`` is the TOM Toolkit's, and so is ``destination`` written
``key:topic`` for a Hermes topic (``hermes:tomtoolkit.test``); a duplicate is
refused under ``non_field_errors``, as DRF answers the TOM Toolkit's.
"""
from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Router, Schema, Status

from core.ids import Id
from core.paging_api import Paged, page
from core.permissions import api_rule
from targets.models import Target
from targets.permissions import target_for

from ..models import Delivery, PersistentShare
from ..permissions import ADD, SHARE_NEEDS, VIEW, may, may_share, share_for, shares_visible_to
from . import shares
from .shares import annotated

persistentshare_router = Router(tags=["persistentshare"])


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
    target: int = Field(alias="target_id")
    destination: str
    topic: str
    user: int | None = Field(alias="user_id")
    created: datetime
    enabled: bool
    last_delivery: datetime | None
    last_error: str
    retry_at: datetime | None
    sent_count: int
    skipped_count: int
    failed_count: int
    waiting: int
    paused: str = Field(alias="paused_reason",
                        description='Why it sends nothing now (its owner may no longer share); "" while it sends')

    @staticmethod
    def resolve_waiting(share: PersistentShare) -> int:
        """Deliveries not yet sent: counted for a whole page at once (:func:`annotated`), else for this share."""
        waiting = getattr(share, "waiting", None)
        if waiting is None:
            waiting = share.deliveries.filter(status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]).count()
        return waiting


def _as_is(share: PersistentShare) -> PersistentShare:
    return share  # the page's rows are read by PersistentShareOut


@persistentshare_router.get("persistentshare/", response=Paged[PersistentShareOut],
                            summary="Continuous shares you may see")
@api_rule(perm=VIEW, may=may)
def list_shares(request):
    return page(request, annotated(shares_visible_to(request.user)), _as_is)


@persistentshare_router.post("persistentshare/", response={201: PersistentShareOut},
                     summary="Share a target's new data continuously")
@api_rule(kind="target", action="share", field="target", perm=ADD, may=may)
def create_share(request, payload: PersistentShareIn):
    target = Target.objects.visible_to(request.user).filter(pk=payload.target).first()
    if target is None:
        raise ValidationError({"target": [f"No target {payload.target}."]})
    if not may_share(request.user, target):  # the TOM Toolkit answers a target one may not change as invalid
        raise ValidationError({"target": [f"You may not share {target.name} (that needs {SHARE_NEEDS})."]})
    share = shares.create_persistent_share(request.user, target, payload.destination,
                                               share_existing_data=payload.share_existing_data, topic=payload.topic)
    return Status(201, share)


@persistentshare_router.get("persistentshare/{int:pk}/", response=PersistentShareOut)
@api_rule(kind="persistentshare", fetch=share_for, param="pk")
def get_share(request, share: PersistentShare):
    return share


@persistentshare_router.patch("persistentshare/{int:pk}/", response=PersistentShareOut,
                      summary="Change where a share sends, switch it on or off, or send its target's data so far")
@api_rule(kind="persistentshare", action="change", fetch=share_for, param="pk")
def change_share(request, share: PersistentShare, payload: PersistentSharePatch):
    if payload.target is not None and payload.target != share.target_id:
        raise ValidationError({"target": ["A continuous share stays with its target: delete it and create one for "
                                          "the other target."]})
    if payload.user is not None and payload.user != share.user_id:
        raise ValidationError({"user": ["The owner is whoever created the share, resumed it or changed where it "
                                        "sends; it is not set by hand."]})
    shares.change_persistent_share(share, request.user, destination_key=payload.destination, topic=payload.topic,
                                       enabled=payload.enabled, share_existing_data=payload.share_existing_data)
    return share_for(request.user, share.pk)


@persistentshare_router.delete("persistentshare/{int:pk}/", response={204: None})
@api_rule(kind="persistentshare", action="delete", fetch=share_for, param="pk")
def delete_share(request, share: PersistentShare):
    shares.delete_persistent_share(share)
    return Status(204, None)


@persistentshare_router.post("persistentshare/{int:pk}/retry/", response=PersistentShareOut,
                     summary="Send what waits or failed now, without waiting for the backoff")
@api_rule(kind="persistentshare", action="retry", fetch=share_for, param="pk")
def retry_share(request, share: PersistentShare):
    shares.retry_now(share)
    return share_for(request.user, share.pk)


@persistentshare_router.post("persistentshare/{int:pk}/resume/", response=PersistentShareOut,
                     summary="Resume a paused share; its data go in your name from now on")
@api_rule(kind="persistentshare", action="resume", fetch=share_for, param="pk")
def resume_share(request, share: PersistentShare):
    shares.resume_share(share, request.user)
    return share_for(request.user, share.pk)


@persistentshare_router.get("{int:target_pk}/persistentshare/", response=Paged[PersistentShareOut],
                            summary="One target's continuous shares")
@api_rule(kind="target", fetch=target_for, param="target_pk", perm=VIEW, may=may)
def list_target_shares(request, target: Target):
    return page(request, annotated(shares_visible_to(request.user, target)), _as_is)
