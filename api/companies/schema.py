"""Companies in the schema (the B2B customer account)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api.companies.loaders import company_loader
from api.companies.models import Company as CompanyModel


@strawberry.type(name="Company")
class CompanyType(relay.Node):
    id: relay.NodeID[int]
    name: str
    name_kana: str
    postal_code: str
    prefecture: str
    address_line1: str
    address_line2: str
    phone: str
    created_at: datetime

    @classmethod
    def from_model(cls, c: CompanyModel) -> CompanyType:
        return cls(
            id=c.id,
            name=c.name,
            name_kana=c.name_kana,
            postal_code=c.postal_code,
            prefecture=c.prefecture,
            address_line1=c.address_line1,
            address_line2=c.address_line2,
            phone=c.phone,
            created_at=c.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[CompanyType | None]:
        caller = info.context.caller
        loader = info.context.loader("company", company_loader)
        ids = [int(i) if i.isdigit() else -1 for i in node_ids]
        companies = await loader.load_many(ids)
        result: list[CompanyType | None] = []
        for company in companies:
            # A member sees only their own company; anything else is "not found".
            visible = company is not None and (
                caller.is_staff
                or (caller.user is not None and caller.user.company_id == company.id)
            )
            result.append(cls.from_model(company) if visible else None)
        return result
