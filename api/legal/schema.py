"""Terms of use and privacy policy, shown on the registration form."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from api.graphql.nodes import load_nodes
from api.legal.models import LegalDocument as LegalDocumentModel
from api.legal.models import LegalDocumentKind as KindModel
from api.legal.service import current_documents

LegalDocumentKind = strawberry.enum(
    Enum("LegalDocumentKind", {k.name: k.value for k in KindModel}), name="LegalDocumentKind"
)


@strawberry.type(name="LegalDocument")
class LegalDocumentType(relay.Node):
    id: relay.NodeID[int]
    kind: LegalDocumentKind  # type: ignore[valid-type]
    version: int = strawberry.field(description="Send this back as the version agreed to.")
    title: str
    body: str
    effective_at: datetime

    @classmethod
    def from_model(cls, d: LegalDocumentModel) -> LegalDocumentType:
        return cls(
            id=d.id,
            kind=LegalDocumentKind(d.kind.value),
            version=d.version,
            title=d.title,
            body=d.body,
            effective_at=d.effective_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[LegalDocumentType | None]:
        return await load_nodes(LegalDocumentModel, node_ids, cls.from_model, {})


@strawberry.type
class LegalQuery:
    @strawberry.field(description="The current terms of use and privacy policy.")
    async def legal_documents(self) -> list[LegalDocumentType]:
        docs = await current_documents()
        return [LegalDocumentType.from_model(d) for _, d in sorted(docs.items())]
