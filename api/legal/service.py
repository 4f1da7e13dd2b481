"""Current versions of the documents a person agrees to when registering."""

from __future__ import annotations

from api import clock
from api.legal.models import Consent, LegalDocument, LegalDocumentKind


async def current_documents() -> dict[LegalDocumentKind, LegalDocument]:
    """The newest effective version of each kind (one query)."""
    current: dict[LegalDocumentKind, LegalDocument] = {}
    docs = await LegalDocument.filter(effective_at__lte=clock.now()).order_by("-version")
    for doc in docs:
        current.setdefault(doc.kind, doc)
    return current


async def publish(kind: LegalDocumentKind, title: str, body: str) -> LegalDocument:
    latest = await LegalDocument.filter(kind=kind).order_by("-version").first()
    return await LegalDocument.create(
        kind=kind,
        version=(latest.version + 1) if latest else 1,
        title=title,
        body=body,
        effective_at=clock.now(),
    )


async def record_consents(user_id: int, documents: list[LegalDocument], ip: str) -> None:
    await Consent.bulk_create(
        [Consent(user_id=user_id, document_id=d.id, ip_address=ip) for d in documents]
    )
