"""Strawberry types of order documents: what is available, what was issued, signed links."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from api.graphql.errors import ErrorCode, UserError
from api.graphql.ids import to_global_id
from api.i18n import message
from api.orders import document_links
from api.orders.documents import DocumentKind

strawberry.enum(
    DocumentKind,
    name="OrderDocumentKind",
    description="DELIVERY_NOTE (納品書), SIMPLIFIED_INVOICE (請求書（簡易版）), RECEIPT (領収書).",
)
OrderDocumentKind = DocumentKind


@strawberry.type(description="A short-lived signed link to a PDF: GET it without credentials.")
class DocumentLink:
    url: str
    expires_at: datetime


def _base_url(info: Any) -> str:
    request = info.context.request
    return str(request.base_url).rstrip("/") if request is not None else ""


@strawberry.type(description="An issued document: a numbered snapshot of the order.")
class IssuedOrderDocument:
    id: strawberry.ID
    kind: OrderDocumentKind  # type: ignore[valid-type]
    number: str
    version: int = strawberry.field(description="1 for the original; 2, 3 … for 再発行.")
    reissued: bool = strawberry.field(description="Printed 再発行 (receipts issued again).")
    issued_on: date
    issued_at: datetime
    addressee: str | None = strawberry.field(description="Receipts: 宛名.")
    description: str | None = strawberry.field(description="Receipts: 但し書き (お品物名).")
    order_id: strawberry.Private[int]
    document_id: strawberry.Private[int]

    @strawberry.field(description="A signed link to this document's PDF, good for five minutes.")
    async def download(self, info: strawberry.Info) -> DocumentLink:
        actor = await info.context.actor()
        receipt = self.kind == DocumentKind.RECEIPT
        url, expires_at = document_links.document_link(
            info.context.rt,
            actor,
            self.order_id,
            self.kind.value,
            self.document_id if receipt else 0,
            _base_url(info),
        )
        return DocumentLink(url=url, expires_at=expires_at)

    @classmethod
    def of(cls, row: Any) -> IssuedOrderDocument:
        return cls(
            id=strawberry.ID(to_global_id("OrderDocument", row.id)),
            kind=row.kind,
            number=row.number,
            version=row.version,
            reissued=row.version > 1,
            issued_on=row.issued_on,
            issued_at=row.issued_at,
            addressee=row.addressee or None,
            description=row.description or None,
            order_id=row.order_id,
            document_id=row.id,
        )


@strawberry.type(description="One document of an order: whether it can be had, and its issues.")
class OrderDocumentEntry:
    kind: OrderDocumentKind  # type: ignore[valid-type]
    available: bool
    unavailable_reason: ErrorCode | None = strawberry.field(  # type: ignore[valid-type]
        description="ORDER_NOT_SHIPPED, DELIVERY_NOTE_NOT_AVAILABLE or RECEIPT_CARD_ONLY."
    )
    unavailable_message: str | None
    issued: list[IssuedOrderDocument] = strawberry.field(
        description="Issued so far, oldest first (receipts: every issue, 再発行 from the second)."
    )
    order_id: strawberry.Private[int]

    @strawberry.field(
        description="Delivery note and simplified invoice: a signed link to the PDF (the first "
        "download issues it; later ones get the same document). Receipts: null — call "
        "issueReceipt with the addressee, then use its link."
    )
    async def download(self, info: strawberry.Info) -> DocumentLink | None:
        if not self.available or self.kind == DocumentKind.RECEIPT:
            return None
        actor = await info.context.actor()
        url, expires_at = document_links.document_link(
            info.context.rt, actor, self.order_id, self.kind.value, 0, _base_url(info)
        )
        return DocumentLink(url=url, expires_at=expires_at)

    @classmethod
    def of(cls, entry: Any, order_id: int, language: str) -> OrderDocumentEntry:
        reason = entry.unavailable
        return cls(
            kind=entry.kind,
            available=reason is None,
            unavailable_reason=ErrorCode[reason] if reason else None,  # type: ignore[index]
            unavailable_message=message(reason, language) if reason else None,
            issued=[IssuedOrderDocument.of(d) for d in entry.issued],
            order_id=order_id,
        )


@strawberry.input(description="領収書: the addressee and the item description as printed.")
class IssueReceiptInput:
    order_id: strawberry.ID
    addressee: str = strawberry.field(description="宛名 (required, at most 60 characters).")
    description: str = strawberry.field(
        default="", description="但し書き / お品物名 (at most 60 characters; default お品代)."
    )


@strawberry.type
class IssueReceiptPayload:
    receipt: IssuedOrderDocument | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
