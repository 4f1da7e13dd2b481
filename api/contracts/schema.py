"""Contracts in the schema: members read their company's, staff read and manage all.

Thin: each resolver reads its input, calls one `api.contracts.service` or
`api.contracts.queries` function with the request's `Actor`, and builds the result.
Visibility and permissions are checked there (`view_contracts`, `manage_contracts`).
"""

from __future__ import annotations

import strawberry

from api.companies.permissions import MemberPermission, StaffPermission
from api.contracts import applications, queries, service
from api.contracts.types import (
    ApplyContractCancellationInput,
    ApplyContractChangeInput,
    ConfirmContractReceiptInput,
    ContractActionInput,
    ContractApplicationActionInput,
    ContractApplicationFilter,
    ContractApplicationPayload,
    ContractApplicationType,
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
MEMBER_MANAGE_CONTRACTS = requires(MemberPermission.MANAGE_CONTRACTS)


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

    @connection(
        permission_classes=[IsAuthenticated],
        description="Change and cancellation applications, newest first: the member's "
        "company's (view_contracts), or all for staff (manage_contracts).",
    )
    async def contract_applications(
        self, info: strawberry.Info, filter: ContractApplicationFilter | None = None
    ) -> Connection[ContractApplicationType]:
        actor = await info.context.actor()
        contract_id = None
        if filter and filter.contract_id:
            contract_id = int_id(filter.contract_id, "Contract", "filter.contractId")
        rows = queries.applications(
            actor,
            status=filter.status if filter else None,
            kind=filter.kind if filter else None,
            contract_id=contract_id,
        )
        return Page(rows, ContractApplicationType.from_application)  # type: ignore[return-value]


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

    # ---- applications (004 §6, §7) ----------------------------------------------------------

    @mutation(
        permission_classes=[MEMBER_MANAGE_CONTRACTS],
        description="Apply to change an active contract (数量・商品変更, 004 §6.2): seats, an "
        "allowed product change, options. Mail ご注文完了.",
    )
    async def apply_contract_change(
        self, info: strawberry.Info, input: ApplyContractChangeInput
    ) -> ContractApplicationPayload:
        ctx = info.context
        form = applications.ChangeForm(
            contract_id=int_id(input.contract_id, "Contract", "contractId"),
            product_id=int_id(input.product_id, "Product", "productId")
            if input.product_id
            else None,
            quantity=input.quantity,
            options=[(o.code, o.quantity) for o in input.options],
            user_info=service.UserInfo(
                name=input.user_info.name,
                email=input.user_info.email,
                phone=input.user_info.phone,
                department=input.user_info.department,
            ),
            payment_method=input.payment_method,
            service_terms_version=input.service_terms_version,
            terms_of_sale_version=input.terms_of_sale_version,
            idempotency_key=input.idempotency_key,
        )
        row = await applications.apply_for_change(ctx.rt, await ctx.actor(), form)
        return ContractApplicationPayload(application=ContractApplicationType.from_application(row))

    @mutation(
        permission_classes=[MEMBER_MANAGE_CONTRACTS],
        description="Apply to cancel lines (部分解約) or the whole contract (一括解約, whole: "
        "true), 004 §7. Mail 申込完了.",
    )
    async def apply_contract_cancellation(
        self, info: strawberry.Info, input: ApplyContractCancellationInput
    ) -> ContractApplicationPayload:
        ctx = info.context
        form = applications.CancellationForm(
            contract_id=int_id(input.contract_id, "Contract", "contractId"),
            whole=input.whole,
            lines=[(line.code, line.quantity) for line in input.lines],
            reason=input.reason,
            terms_of_sale_version=input.terms_of_sale_version,
            idempotency_key=input.idempotency_key,
        )
        row = await applications.apply_for_cancellation(ctx.rt, await ctx.actor(), form)
        return ContractApplicationPayload(application=ContractApplicationType.from_application(row))

    @mutation(
        permission_classes=[MEMBER_MANAGE_CONTRACTS],
        description="Withdraw an application the store has not accepted yet.",
    )
    async def withdraw_contract_application(
        self, info: strawberry.Info, input: ContractApplicationActionInput
    ) -> ContractApplicationPayload:
        ctx = info.context
        application_id = int_id(input.application_id, "ContractApplication", "applicationId")
        row = await applications.withdraw_application(ctx.rt, await ctx.actor(), application_id)
        return ContractApplicationPayload(application=ContractApplicationType.from_application(row))

    @mutation(
        permission_classes=[MEMBER_MANAGE_CONTRACTS],
        description="受領確認 (004 §6.3) with the token of the mail's link: the change takes "
        "effect by the store's policy. The link works once.",
    )
    async def confirm_contract_receipt(
        self, info: strawberry.Info, input: ConfirmContractReceiptInput
    ) -> ContractApplicationPayload:
        ctx = info.context
        row = await applications.confirm_receipt(ctx.rt, await ctx.actor(), input.token)
        return ContractApplicationPayload(application=ContractApplicationType.from_application(row))

    @mutation(
        permission_classes=[MANAGE_CONTRACTS],
        description="Staff: accept an application (mail: accepted, not yet in effect).",
    )
    async def accept_contract_application(
        self, info: strawberry.Info, input: ContractApplicationActionInput
    ) -> ContractApplicationPayload:
        ctx = info.context
        application_id = int_id(input.application_id, "ContractApplication", "applicationId")
        row = await applications.accept_application(ctx.rt, await ctx.actor(), application_id)
        return ContractApplicationPayload(application=ContractApplicationType.from_application(row))

    @mutation(
        permission_classes=[MANAGE_CONTRACTS],
        description="Staff: the maker delivered an accepted change; the customer is mailed "
        "the 受領確認 link.",
    )
    async def mark_contract_change_delivered(
        self, info: strawberry.Info, input: ContractApplicationActionInput
    ) -> ContractApplicationPayload:
        ctx = info.context
        application_id = int_id(input.application_id, "ContractApplication", "applicationId")
        row = await applications.mark_delivered(ctx.rt, await ctx.actor(), application_id)
        return ContractApplicationPayload(application=ContractApplicationType.from_application(row))

    @mutation(
        permission_classes=[MANAGE_CONTRACTS],
        description="Staff: complete an accepted cancellation (mail お申込み手続完了).",
    )
    async def complete_contract_cancellation(
        self, info: strawberry.Info, input: ContractApplicationActionInput
    ) -> ContractApplicationPayload:
        ctx = info.context
        application_id = int_id(input.application_id, "ContractApplication", "applicationId")
        row = await applications.complete_cancellation(ctx.rt, await ctx.actor(), application_id)
        return ContractApplicationPayload(application=ContractApplicationType.from_application(row))

    @mutation(
        permission_classes=[MANAGE_CONTRACTS],
        description="Staff: refuse an open application with a reason (mailed).",
    )
    async def refuse_contract_application(
        self, info: strawberry.Info, input: ContractApplicationActionInput
    ) -> ContractApplicationPayload:
        ctx = info.context
        application_id = int_id(input.application_id, "ContractApplication", "applicationId")
        row = await applications.refuse_application(
            ctx.rt, await ctx.actor(), application_id, input.reason
        )
        return ContractApplicationPayload(application=ContractApplicationType.from_application(row))


__all__ = ["ContractType", "ContractsMutation", "ContractsQuery"]
