"""Strawberry types of the contracts domain: contracts, versions, lines, their inputs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON

from api import clock
from api.catalog.types import SubscriptionPlan
from api.contracts import queries, states
from api.graphql.errors import UserError
from api.graphql.ids import to_global_id
from api.graphql.money import Money
from api.graphql.rows import FromRow

strawberry.enum(
    states.ContractStatus,
    name="ContractStatus",
    description="SETTING_UP 新規契約手続き中 (the store is setting it up), WAITING_TO_START "
    "契約開始待 (set up; the start date is ahead), ACTIVE 契約中, ENDED 契約終了.",
)
strawberry.enum(states.LineKind, name="ContractLineKind")
ContractStatus = states.ContractStatus
ContractLineKind = states.LineKind


def _versions_loader() -> DataLoader[int, list[Any]]:
    async def load(ids: list[int]) -> list[list[Any]]:
        found = await queries.versions_of(ids)
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def _lines_loader() -> DataLoader[int, list[Any]]:
    async def load(ids: list[int]) -> list[list[Any]]:
        found = await queries.lines_of(ids)
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


def _history_loader() -> DataLoader[int, list[Any]]:
    async def load(ids: list[int]) -> list[list[Any]]:
        found = await queries.status_history(ids)
        return [found.get(i, []) for i in ids]

    return DataLoader(load_fn=load)


async def _lines(info: strawberry.Info, version_id: int) -> list[ContractLineType]:
    rows = await info.context.loader("contracts.lines", _lines_loader).load(version_id)
    return [ContractLineType.from_line(r) for r in rows]


@strawberry.type(name="ContractLine", description="The main product or an option, as agreed.")
class ContractLineType(FromRow):
    kind: ContractLineKind  # type: ignore[valid-type]
    code: str = strawberry.field(description="The product code (main) or the option code.")
    name: str
    name_en: str
    quantity: int
    min_quantity: int = strawberry.field(
        description="The lowest quantity a change may leave (main product; 0 for options)."
    )
    unit_price: Money = strawberry.field(description="Agreed price per unit and period, tax excl.")
    amount: Money = strawberry.field(description="unitPrice × quantity, tax excluded.")
    tax_category: str

    @classmethod
    def from_line(cls, row: Any) -> ContractLineType:
        return cls.from_row(
            row,
            unit_price=Money(amount=row.unit_price),
            amount=Money(amount=row.unit_price * row.quantity),
        )


@strawberry.type(
    name="ContractVersion",
    description="What the contract covers from effectiveFrom until effectiveUntil (exclusive).",
)
class ContractVersionType(FromRow):
    number: int
    effective_from: date
    effective_until: date | None = strawberry.field(
        description="The first day it no longer applies; null while it is the current one."
    )
    reason: str
    id_: strawberry.Private[int]

    @strawberry.field
    async def lines(self, info: strawberry.Info) -> list[ContractLineType]:
        return await _lines(info, self.id_)

    @classmethod
    def from_version(cls, row: Any) -> ContractVersionType:
        return cls.from_row(row, id_=row.id)


@strawberry.type(name="ContractUserInfo", description="利用者情報: who uses the service.")
class ContractUserInfoType:
    name: str
    email: str
    phone: str
    department: str


@strawberry.type(name="ContractStatusChange", description="A status change: when and why.")
class ContractStatusChangeType:
    from_status: ContractStatus  # type: ignore[valid-type]
    to_status: ContractStatus  # type: ignore[valid-type]
    reason: str
    at: datetime


@strawberry.type(name="Contract", description="A subscription contract (契約).")
class ContractType(FromRow, relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="The contract number quoted in mails (契約番号).")
    status: ContractStatus  # type: ignore[valid-type]
    status_label: str = strawberry.field(description="The status as the customer reads it.")
    plan: SubscriptionPlan  # type: ignore[valid-type]
    start_date: date
    term_months: int
    renewal_month: int | None = strawberry.field(
        description="更新月 of an annual plan (1-12): changes are accepted in this month only."
    )
    current_term_end: date = strawberry.field(description="The last day of the current term.")
    end_date: date | None = strawberry.field(
        description="The last day of service, once an end is decided (cancellation)."
    )
    payment_method: str
    payment_terms: JSON = strawberry.field(description="The payment terms as agreed (snapshot).")
    user_info: ContractUserInfoType
    company_id: strawberry.ID = strawberry.field(description="The company's global ID.")
    order_id: int | None = strawberry.field(description="The order it came from, if any.")
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime
    id_: strawberry.Private[int]

    @strawberry.field(description="The lines in effect today (before the start: the first ones).")
    async def lines(self, info: strawberry.Info) -> list[ContractLineType]:
        versions = await info.context.loader("contracts.versions", _versions_loader).load(self.id_)
        if not versions:
            return []
        today = clock.business_today()
        current = [v for v in versions if v.effective_from <= today]
        return await _lines(info, (current[-1] if current else versions[0]).id)

    @strawberry.field(description="Every version, oldest first: what applied from when.")
    async def versions(self, info: strawberry.Info) -> list[ContractVersionType]:
        rows = await info.context.loader("contracts.versions", _versions_loader).load(self.id_)
        return [ContractVersionType.from_version(v) for v in rows]

    @strawberry.field(description="Status changes, oldest first.")
    async def history(self, info: strawberry.Info) -> list[ContractStatusChangeType]:
        rows = await info.context.loader("contracts.history", _history_loader).load(self.id_)
        return [
            ContractStatusChangeType(
                from_status=ContractStatus(r.from_status),
                to_status=ContractStatus(r.to_status),
                reason=r.reason,
                at=r.at,
            )
            for r in rows
        ]

    @classmethod
    def from_contract(cls, row: Any) -> ContractType:
        ja, en = states.STATUS_LABELS[row.status]
        info = row.user_info or {}
        return cls.from_row(
            row,
            id_=row.id,
            number=row.number,
            status_label=ja,
            company_id=strawberry.ID(to_global_id("Company", row.company_id)),
            user_info=ContractUserInfoType(
                name=info.get("name", ""),
                email=info.get("email", ""),
                phone=info.get("phone", ""),
                department=info.get("department", ""),
            ),
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[ContractType | None]:
        rows = await queries.contracts_by_keys(await info.context.actor(), list(node_ids))
        return [cls.from_contract(r) if r else None for r in rows]


# ---- inputs and payloads ---------------------------------------------------------------


@strawberry.input
class ContractFilter:
    status: ContractStatus | None = None  # type: ignore[valid-type]
    company_id: strawberry.ID | None = strawberry.field(
        default=None, description="Staff only: one company's contracts."
    )


@strawberry.input(description="利用者情報.")
class ContractUserInfoInput:
    name: str
    email: str
    phone: str = ""
    department: str = ""


@strawberry.input
class ContractOptionInput:
    code: str = strawberry.field(description="The option's code in the catalog.")
    quantity: int = 1


@strawberry.input(
    description="Staff: open a contract from the catalog (prices are today's catalog prices)."
)
class OpenContractInput:
    company_id: strawberry.ID
    product_id: strawberry.ID
    quantity: int
    start_date: date
    options: list[ContractOptionInput] = strawberry.field(default_factory=list)
    payment_method: str = ""
    user_info: ContractUserInfoInput
    note: str = ""
    idempotency_key: str | None = None


@strawberry.input
class ContractActionInput:
    contract_id: strawberry.ID
    reason: str = strawberry.field(default="", description="Recorded with the status change.")


@strawberry.type
class ContractPayload:
    contract: ContractType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


# ---- applications: changes (004 §6) and cancellations (004 §7) ------------------------------

strawberry.enum(
    states.ApplicationKind,
    name="ContractApplicationKind",
    description="CHANGE 数量・商品変更, PARTIAL_CANCELLATION 部分解約, FULL_CANCELLATION 一括解約.",
)
strawberry.enum(
    states.ApplicationStatus,
    name="ContractApplicationStatus",
    description="SUBMITTED 申請, ACCEPTED 受付済 (not in effect yet), DELIVERED 受領確認待 "
    "(changes: the maker delivered), COMPLETED, WITHDRAWN (by the member), REFUSED (by the store).",
)
ContractApplicationKind = states.ApplicationKind
ContractApplicationStatus = states.ApplicationStatus


@strawberry.type(name="ContractApplicationLine", description="A line as it will be.")
class ContractApplicationLineType:
    kind: ContractLineKind  # type: ignore[valid-type]
    code: str
    name: str
    quantity: int
    min_quantity: int
    unit_price: Money
    amount: Money


@strawberry.type(name="ContractLineChange", description="What the application changes.")
class ContractLineChangeType:
    code: str
    name: str
    from_quantity: int
    to_quantity: int


@strawberry.type(name="ContractApplication", description="A change or cancellation application.")
class ContractApplicationType(FromRow, relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="The application number quoted in mails.")
    kind: ContractApplicationKind  # type: ignore[valid-type]
    status: ContractApplicationStatus  # type: ignore[valid-type]
    status_label: str
    contract_id: strawberry.ID = strawberry.field(description="The contract's global ID.")
    lines: list[ContractApplicationLineType] = strawberry.field(
        description="The contract's lines once it takes effect (empty for a full cancellation)."
    )
    changes: list[ContractLineChangeType]
    timing: str = strawberry.field(
        description="The policy's timing: immediate / end_of_term (changes), end_of_month / "
        "end_of_term (cancellations)."
    )
    effective_date: date = strawberry.field(
        description="Changes: the first day of the new version (final once completed). "
        "Cancellations: the last day of service."
    )
    user_info: ContractUserInfoType
    payment_method: str
    reason: str
    refusal_reason: str
    applied_version_number: int | None
    created_at: datetime
    decided_at: datetime | None
    completed_at: datetime | None

    @classmethod
    def from_application(cls, row: Any) -> ContractApplicationType:
        info = row.user_info or {}
        return cls.from_row(
            row,
            number=row.number,
            status_label=states.APPLICATION_STATUS_LABELS[row.status][0],
            contract_id=strawberry.ID(to_global_id("Contract", row.contract_id)),  # type: ignore[attr-defined]
            lines=[
                ContractApplicationLineType(
                    kind=states.LineKind(d["kind"]),
                    code=d["code"],
                    name=d["name"],
                    quantity=d["quantity"],
                    min_quantity=d.get("min_quantity", 0),
                    unit_price=Money(amount=d["unit_price"]),
                    amount=Money(amount=d["unit_price"] * d["quantity"]),
                )
                for d in row.lines
            ],
            changes=[ContractLineChangeType(**c) for c in row.changes],
            user_info=ContractUserInfoType(
                name=info.get("name", ""),
                email=info.get("email", ""),
                phone=info.get("phone", ""),
                department=info.get("department", ""),
            ),
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[ContractApplicationType | None]:
        rows = await queries.applications_by_keys(await info.context.actor(), list(node_ids))
        return [cls.from_application(r) if r else None for r in rows]


@strawberry.input
class ContractApplicationFilter:
    status: ContractApplicationStatus | None = None  # type: ignore[valid-type]
    kind: ContractApplicationKind | None = None  # type: ignore[valid-type]
    contract_id: strawberry.ID | None = None


@strawberry.input(description="数量・商品変更: the contract as it should be (004 §6.2).")
class ApplyContractChangeInput:
    contract_id: strawberry.ID
    product_id: strawberry.ID | None = strawberry.field(
        default=None, description="A different product along an allowed path (商品変更)."
    )
    quantity: int = strawberry.field(description="The main product's quantity after the change.")
    options: list[ContractOptionInput] = strawberry.field(
        default_factory=list,
        description="Every option after the change with its quantity; one left out is removed.",
    )
    user_info: ContractUserInfoInput = strawberry.field(description="利用者情報, confirmed.")
    payment_method: str
    service_terms_version: int | None = strawberry.field(
        default=None, description="The サービス利用規約 version agreed to (the current one)."
    )
    terms_of_sale_version: int | None = strawberry.field(
        default=None, description="The 売買利用規約 version agreed to (the current one)."
    )
    idempotency_key: str | None = None


@strawberry.input
class CancelLineInput:
    code: str = strawberry.field(description="The contract line's code.")
    quantity: int = strawberry.field(description="How many to cancel.")


@strawberry.input(description="部分解約 (lines) or 一括解約 (whole: true), 004 §7.")
class ApplyContractCancellationInput:
    contract_id: strawberry.ID
    whole: bool = False
    lines: list[CancelLineInput] = strawberry.field(default_factory=list)
    reason: str = ""
    terms_of_sale_version: int | None = None
    idempotency_key: str | None = None


@strawberry.input
class ContractApplicationActionInput:
    application_id: strawberry.ID
    reason: str = strawberry.field(default="", description="Required to refuse (mailed).")


@strawberry.input
class ConfirmContractReceiptInput:
    token: str = strawberry.field(description="The token of the 受領確認 mail's link.")


@strawberry.type
class ContractApplicationPayload:
    application: ContractApplicationType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
