"""Sharing a target's data to a Hermes destination: build, validate, split, then send one way or the other.

``build_messages`` is the whole of what will be sent (the Share tab previews
exactly this); ``share_to_hermes`` sends it through the Hermes API when the
destination has an API key, else straight to the topic with hop-client, and
reports what arrived. Nothing is sent when any row would be refused: the
message names the row. Data product files are not sent (Hermes takes files
only as uploads we do not make); the outcome says so.
"""
from __future__ import annotations

from django.conf import settings
from django.utils.translation import ngettext

from dataproducts.models import DataProduct
from targets.models import Target

from ..destinations import HermesDestination
from ..errors import SharingError
from . import kafka
from .api import HermesApi, summary
from .messages import SENT_TYPES, RowTooLarge, draft, split
from .validation import size_problem, validation_errors


def choose_topic(destination: HermesDestination, requested: str = "") -> str:
    """The topic asked for when it is one of ``USER_TOPICS``, else the first of them."""
    if not destination.topics:
        raise SharingError(f"{destination.display_name} has no USER_TOPICS to publish to.", permanent=True)
    if requested and requested not in destination.topics:
        raise SharingError(f"{requested!r} is not one of {destination.display_name}'s USER_TOPICS "
                           f"({', '.join(destination.topics)}).", permanent=True)
    return requested or destination.topics[0]


def build_messages(destination: HermesDestination, user, target: Target, datums, text) -> list[dict]:
    """The validated messages a share sends, split to fit on a topic; a SharingError names each bad row."""
    topic = choose_topic(destination, getattr(text, "topic", "") or "")
    message = draft(target, datums, topic, user, title=text.title, message_text=text.message, authors=text.authors)
    problems = validation_errors(message, check_size=False)
    if problems:
        raise SharingError(f"Hermes would refuse this message; nothing was sent: {summary(problems)}", permanent=True)
    try:
        parts = split(message)
    except RowTooLarge as exc:
        raise SharingError(f"Too large for Hermes; nothing was sent: {exc}", permanent=True) from None
    for number, part in enumerate(parts, start=1):
        problem = size_problem(part)  # the rows were checked above; a guard on split()'s arithmetic
        if problem:
            raise SharingError(f"Part {number} would be refused; nothing was sent: {problem}", permanent=True)
    return parts


def _rows(message: dict) -> int:
    data = message.get("data", {})
    return len(data.get("photometry", [])) + len(data.get("spectroscopy", []))


def _via_api(destination: HermesDestination, messages: list[dict]) -> list[tuple[str, str]]:
    """Hermes checks every part before any is published, so a refusal publishes nothing."""
    api = HermesApi(destination)
    try:
        for number, message in enumerate(messages, start=1):
            problems = api.validate(message)
            if problems:
                where = f"part {number} of {len(messages)}: " if len(messages) > 1 else ""
                raise SharingError(f"{destination.display_name} would refuse {where}the message; nothing was "
                                   f"sent: {summary(problems)}", permanent=True)
        outcomes: list[tuple[str, str]] = []
        for message in messages:
            try:
                outcomes.append((api.submit(message), ""))
            except SharingError as exc:
                if not outcomes:
                    raise
                outcomes.append(("", exc.message))
        return outcomes
    finally:
        api.close()


def share_to_hermes(destination: HermesDestination, user, target: Target, datums, products: list[DataProduct],
                    text):
    """Send ``target`` and ``datums`` to Hermes; a ``Sent`` with one UUID per published message."""
    from ..services import Sent

    if not destination.configured:
        raise SharingError(f"{destination.display_name} is not configured: {' '.join(destination.problems)}",
                           permanent=True)
    messages = build_messages(destination, user, target, datums, text)
    topic = messages[0]["topic"]
    if destination.via_api:
        outcomes = _via_api(destination, messages)
        how = f"through {destination.display_name}"
    else:
        sender = destination.credential_username or settings.TOM_NAME
        outcomes = kafka.publish(destination, topic, messages, sender)
        how = f"straight to {kafka.topic_url(destination, topic)}"
    sent_rows = sum(_rows(m) for m, (_, error) in zip(messages, outcomes) if not error)
    failed_rows = sum(_rows(m) for m, (_, error) in zip(messages, outcomes) if error)
    published = [message_id for message_id, error in outcomes if not error]
    if not published:
        raise SharingError(f"Nothing was published to {topic}: {outcomes[0][1]}")
    skipped = datums.exclude(data_type__in=SENT_TYPES).count()
    n = len(messages)
    counted = f"{len(published)} of {n} messages" if n > 1 else "1 message"
    text_out = f"Published {counted} to {topic} {how} ({sent_rows} row{'s' * (sent_rows != 1)})."
    errors = [f"part {i} of {n}: {error.rstrip('.')}" for i, (_, error) in enumerate(outcomes, start=1) if error]
    if errors:
        text_out += (ngettext(" Not published (%(count)d row): ", " Not published (%(count)d rows): ", failed_rows)
                     % {"count": failed_rows}) + "; ".join(errors[:3]) + "."
    if skipped:
        text_out += f" {skipped} datum{'s' * (skipped != 1)} of other kinds than photometry and spectra not sent."
    if products:
        text_out += f" Data product files are not sent to Hermes ({len(products)} not sent)."
    # Datums of other kinds are not failures (Hermes has no place for them): counting them failed would make
    # continuous sharing retry, publishing the same rows again.
    return Sent(text_out, counts={"created": sent_rows, "existing": 0, "failed": failed_rows},
                message_ids=published)
