"""Contracts in the schema: members read their company's, staff read and manage all.

Thin: each resolver reads its input, calls one `api.contracts.service` or
`api.contracts.queries` function with the request's `Actor`, and builds the result.
Visibility and permissions are checked there (`view_contracts`, `manage_contracts`).
"""

from __future__ import annotations

import strawberry

from api.companies.permissions import StaffPermission
from api.contracts import queries, service
from api.contracts.types import (
    ContractActionInput,
    ContractFilter,
    ContractPayload,
    ContractType,
    OpenContractInput,
)
from api.graphql.connections import Page, connection
from api.graphql.ids import int_id
from api.graphql.mutations import mutation
from api.graphql.pagination import Connection
from api.graphql.permissions import IsAuthenticated, requires

MANAGE_CONTRACTS = requires(StaffPermission.MANAGE_CONTRACTS)


@strawberry.type
class ContractsQuery:
    @connection(
        permission_classes=[IsAuthenticated],
        description="Contracts, newest first: a member's company's (view_contracts), or "
        "all for staff (manage_contracts).",
    )
    async def contracts(
        self, info: strawberry.Info, filter: ContractFilter | None = None
    ) -> Connection[ContractType]:
        actor = await info.context.actor()
        company_id = None
        if filter and filter.company_id:
            company_id = int_id(filter.company_id, "Company", "filter.companyId")
        rows = queries.contracts(
            actor, status=filter.status if filter else None, company_id=company_id
        )
        return Page(rows, ContractType.from_contract)  # type: ignore[return-value]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="One contract (契約詳細); NOT_FOUND when the caller may not see it.",
    )
    async def contract(self, info: strawberry.Info, id: strawberry.ID) -> ContractType:
        contract_id = int_id(id, "Contract", "id")
        row = await queries.contract(await info.context.actor(), contract_id)
        return ContractType.from_contract(row)


@strawberry.type
class ContractsMutation:
    @mutation(
        permission_classes=[MANAGE_CONTRACTS],
        description="Staff: open a contract from the catalog for a company (新規契約手続き中).",
    )
    async def open_contract(
        self, info: strawberry.Info, input: OpenContractInput
    ) -> ContractPayload:
        ctx = info.context
        form = service.CatalogContractForm(
            company_id=int_id(input.company_id, "Company", "companyId"),
            product_id=int_id(input.product_id, "Product", "productId"),
            quantity=input.quantity,
            start_date=input.start_date,
            options=[(o.code, o.quantity) for o in input.options],
            payment_method=input.payment_method,
            user_info=service.UserInfo(
                name=input.user_info.name,
                email=input.user_info.email,
                phone=input.user_info.phone,
                department=input.user_info.department,
            ),
            note=input.note,
            idempotency_key=input.idempotency_key,
        )
        contract = await service.open_contract_from_catalog(ctx.rt, await ctx.actor(), form)
        return ContractPayload(contract=ContractType.from_contract(contract))

    @mutation(
        permission_classes=[MANAGE_CONTRACTS],
        description="Staff: the set-up is done. The contract waits for its start date "
        "(契約開始待), or starts at once (契約中) when that date has come.",
    )
    async def complete_contract_setup(
        self, info: strawberry.Info, input: ContractActionInput
    ) -> ContractPayload:
        ctx = info.context
        contract_id = int_id(input.contract_id, "Contract", "contractId")
        contract = await service.complete_setup(
            ctx.rt, await ctx.actor(), contract_id, input.reason
        )
        return ContractPayload(contract=ContractType.from_contract(contract))

    @mutation(
        permission_classes=[MANAGE_CONTRACTS],
        description="Staff: start a waiting contract now (never before its start date); the "
        "daily job does this by itself.",
    )
    async def start_contract(
        self, info: strawberry.Info, input: ContractActionInput
    ) -> ContractPayload:
        ctx = info.context
        contract_id = int_id(input.contract_id, "Contract", "contractId")
        contract = await service.start_contract(
            ctx.rt, await ctx.actor(), contract_id, input.reason
        )
        return ContractPayload(contract=ContractType.from_contract(contract))

    @mutation(
        permission_classes=[MANAGE_CONTRACTS],
        description="Staff: end a contract that never started (withdrawn during set-up); "
        "a reason is required.",
    )
    async def abandon_contract(
        self, info: strawberry.Info, input: ContractActionInput
    ) -> ContractPayload:
        ctx = info.context
        contract_id = int_id(input.contract_id, "Contract", "contractId")
        contract = await service.abandon_contract(
            ctx.rt, await ctx.actor(), contract_id, input.reason
        )
        return ContractPayload(contract=ContractType.from_contract(contract))


__all__ = ["ContractType", "ContractsMutation", "ContractsQuery"]
