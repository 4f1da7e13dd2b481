"""Versions of the documents a person agrees to: registration, orders, payment methods.

Staff publish a new version (`publish_document`, from the schema or
`torihiki publish-legal`); it takes effect at once or at a chosen time, and
every consent records the exact version agreed to. A fresh production
database has none, so registration answers CONSENT_OUTDATED until staff
publish the terms of use and the privacy policy (docs/operations.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError

from api import clock
from api.actor import Actor
from api.companies.permissions import StaffPermission
from api.db import unit_of_work
from api.errors import DomainError, Problem
from api.legal.models import Consent, LegalDocument, LegalDocumentKind
from api.legal.states import REGISTRATION_KINDS

TITLE_MAX = 255
BODY_MAX = 100_000
# A version may be published ahead of its effective time, but not backdated.
MAX_AHEAD = timedelta(days=366)
BACKDATE_TOLERANCE = timedelta(minutes=5)  # clock skew between staff's machine and ours

__all__ = ["REGISTRATION_KINDS", "current_documents", "publish", "publish_document"]


async def current_documents() -> dict[LegalDocumentKind, LegalDocument]:
    """The newest effective version of each kind (one query)."""
    current: dict[LegalDocumentKind, LegalDocument] = {}
    docs = await LegalDocument.filter(effective_at__lte=clock.now()).order_by("-version")
    for doc in docs:
        current.setdefault(doc.kind, doc)
    return current


async def publish_document(
    actor: Actor,
    kind: LegalDocumentKind,
    title: str,
    body: str,
    *,
    effective_at: datetime | None = None,
) -> LegalDocument:
    """Publish the next version of `kind`: effective now, or at `effective_at`."""
    actor.require(StaffPermission.MANAGE_LEGAL)
    title, body = title.strip(), body.strip()
    problems = []
    if not title:
        problems.append(Problem("REQUIRED", ("title",)))
    elif len(title) > TITLE_MAX:
        problems.append(Problem("TOO_LONG", ("title",), {"max": TITLE_MAX}))
    if not body:
        problems.append(Problem("REQUIRED", ("body",)))
    elif len(body) > BODY_MAX:
        problems.append(Problem("TOO_LONG", ("body",), {"max": BODY_MAX}))
    now = clock.now()
    if effective_at is not None:
        if effective_at.tzinfo is None:
            problems.append(Problem("TIMEZONE_REQUIRED", ("effectiveAt",)))
        elif effective_at < now - BACKDATE_TOLERANCE:
            problems.append(Problem("DATE_IN_PAST", ("effectiveAt",)))
        elif effective_at > now + MAX_AHEAD:
            problems.append(Problem("DATE_TOO_FAR", ("effectiveAt",), {"days": MAX_AHEAD.days}))
    if problems:
        raise DomainError(*problems)
    return await publish(kind, title, body, effective_at=max(effective_at or now, now))


async def publish(
    kind: LegalDocumentKind, title: str, body: str, *, effective_at: datetime | None = None
) -> LegalDocument:
    """The next version number, decided once even when two publishers race."""
    for _ in range(3):
        latest = await LegalDocument.filter(kind=kind).order_by("-version").first()
        try:
            async with unit_of_work():
                return await LegalDocument.create(
                    kind=kind,
                    version=(latest.version + 1) if latest else 1,
                    title=title,
                    body=body,
                    effective_at=effective_at or clock.now(),
                )
        except IntegrityError:
            continue  # (kind, version) is unique: the other publisher took it; take the next
    raise DomainError.of("CONFLICT")


async def record_consents(user_id: int, documents: list[LegalDocument], ip: str) -> None:
    await Consent.bulk_create(
        [Consent(user_id=user_id, document_id=d.id, ip_address=ip) for d in documents]
    )
