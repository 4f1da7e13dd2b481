"""Terms and policies in the schema: customers read the current versions, staff publish.

Thin: resolvers call `api.legal.service`; the registration form reads
`legalDocuments(kinds: [TERMS_OF_USE, PRIVACY_POLICY])`, checkout the terms of
sale and, where they apply, the service and deferred-payment terms.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api.companies.permissions import StaffPermission
from api.graphql.errors import UserError
from api.graphql.mutations import mutation
from api.graphql.permissions import requires
from api.graphql.rows import FromRow
from api.graphql.text import multiline
from api.legal import queries, service, states

strawberry.enum(
    states.LegalDocumentKind,
    name="LegalDocumentKind",
    description="TERMS_OF_USE (会員規約), PRIVACY_POLICY (個人情報の取扱い), TERMS_OF_SALE "
    "(売買利用規約, every order), SERVICE_TERMS (サービス利用規約, orders with "
    "subscriptions), DEFERRED_PAYMENT_TERMS (NP掛け払いの規約).",
)
LegalDocumentKind = states.LegalDocumentKind


@strawberry.type(name="LegalDocument")
class LegalDocumentType(FromRow, relay.Node):
    id: relay.NodeID[int]
    kind: LegalDocumentKind  # type: ignore[valid-type]
    version: int = strawberry.field(description="Send this back as the version agreed to.")
    title: str
    body: str
    effective_at: datetime

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[LegalDocumentType | None]:
        rows = await queries.documents_by_keys(list(node_ids))
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.input(description="The next version of a terms or policy document.")
class PublishLegalDocumentInput:
    kind: LegalDocumentKind  # type: ignore[valid-type]
    title: str
    body: str = multiline(description="Plain text; up to 100,000 characters.")
    effective_at: datetime | None = strawberry.field(
        default=None,
        description="When it takes effect, with its time zone; null: at once. Until then "
        "the previous version stays current.",
    )


@strawberry.type
class PublishLegalDocumentPayload:
    document: LegalDocumentType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LegalQuery:
    @strawberry.field(
        description="The current version of each kind of terms and policy (or of the kinds "
        "asked for), in kind order. Registration shows TERMS_OF_USE and PRIVACY_POLICY."
    )
    async def legal_documents(
        self,
        kinds: list[LegalDocumentKind] | None = None,  # type: ignore[valid-type]
    ) -> list[LegalDocumentType]:
        docs = await service.current_documents()
        wanted = set(kinds) if kinds else set(docs)
        return [
            LegalDocumentType.from_row(docs[k])
            for k in LegalDocumentKind
            if k in wanted and k in docs
        ]


@strawberry.type
class LegalMutation:
    @mutation(
        permission_classes=[requires(StaffPermission.MANAGE_LEGAL)],
        description="Staff: publish the next version of a document. Customers agree to the "
        "current version from its effective time on; earlier consents keep their version.",
    )
    async def publish_legal_document(
        self, info: strawberry.Info, input: PublishLegalDocumentInput
    ) -> PublishLegalDocumentPayload:
        document = await service.publish_document(
            await info.context.actor(),
            input.kind,
            input.title,
            input.body,
            effective_at=input.effective_at,
        )
        return PublishLegalDocumentPayload(document=LegalDocumentType.from_row(document))
