"""Subscription contracts: opening, set-up, the date job, and what a company has on a day.

A contract is opened from plain data (a `ContractDraft`): the orders domain hands
its accepted subscription lines over through the `OrderAccepted` event, staff may
open one from the catalog, and neither path makes this module depend on orders.
Statuses move only through `CONTRACT_STATUS` (who and why recorded); the date
job `run_contract_dates` starts contracts on their start date, ends them after
their last day and rolls terms over, for every day up to today, idempotently.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from api import clock
from api.actor import Actor
from api.catalog.models import Product, ProductKind, ProductOption, SubscriptionPlan
from api.companies.models import Company
from api.companies.permissions import StaffPermission
from api.contracts import dates
from api.contracts.events import ContractEnded, ContractOpened, ContractStarted
from api.contracts.models import Contract, ContractLine, ContractVersion
from api.contracts.states import CONTRACT_STATUS, ContractStatus, LineKind
from api.db import MAX_ROW_ID, unit_of_work
from api.errors import DomainError, Problems
from api.events import publish
from api.runtime import Runtime
from api.text import is_clean
from api.validation import is_valid_email, nfkc, normalize_email, normalize_phone

MAX_QUANTITY = 100_000
MAX_UNIT_PRICE = 100_000_000
MAX_OPTIONS = 50
MAX_TERM_MONTHS = 120
TEXT_MAX = 255
NOTE_MAX = 2_000
REASON_MAX = 500
# Start dates further than this from today are a typo, not a plan.
MAX_START_OFFSET_DAYS = 3 * 366


@dataclass
class DraftLine:
    """A line as agreed: the product (or option) code and name, price and quantity."""

    code: str
    name: str
    unit_price: int
    quantity: int
    product_id: int | None = None
    name_en: str = ""
    min_quantity: int = 0
    tax_category: str = "standard"


@dataclass
class UserInfo:
    """利用者情報: the person who uses the service on the company's side."""

    name: str = ""
    email: str = ""
    phone: str = ""
    department: str = ""


@dataclass
class ContractDraft:
    """Everything a contract is opened from, as plain data (an order line, a staff form)."""

    company_id: int
    plan: SubscriptionPlan
    start_date: date
    main: DraftLine
    options: list[DraftLine] = field(default_factory=list)
    term_months: int | None = None  # 1 for monthly, 12 for annual plans by default
    payment_method: str = ""
    payment_terms: dict[str, Any] = field(default_factory=dict)
    user_info: UserInfo = field(default_factory=UserInfo)
    order_id: int | None = None
    source_key: str | None = None  # opening the same source twice returns the first contract
    note: str = ""


@dataclass(frozen=True)
class ContractOnDay:
    """What one contract covered on one day: the version in effect and its lines."""

    contract: Contract
    version: ContractVersion
    lines: list[ContractLine]


def require_row_id(value: int, field_name: str) -> int:
    """An id that cannot name a row (0, negative, beyond the column) is simply not found."""
    if not 0 < value <= MAX_ROW_ID:
        raise DomainError.of("NOT_FOUND", field_name)
    return value


def _clean_text(problems: Problems, value: str, name: str, limit: int = TEXT_MAX) -> str:
    value = nfkc(value or "")
    if not is_clean(value):  # the one definition (api/text.py)
        problems.add("INVALID_CHARACTERS", name)
    elif len(value) > limit:
        problems.add("TOO_LONG", name, max=limit)
    return value


def _clean_quantity(problems: Problems, value: int, name: str, minimum: int = 1) -> None:
    if not minimum <= value <= MAX_QUANTITY:
        problems.add("OUT_OF_RANGE", name, min=minimum, max=MAX_QUANTITY)


def clean_user_info(problems: Problems, info: UserInfo, prefix: str = "userInfo") -> UserInfo:
    name = _clean_text(problems, info.name, f"{prefix}.name", 128)
    department = _clean_text(problems, info.department, f"{prefix}.department", 128)
    email = normalize_email(info.email or "")
    if not name:
        problems.add("REQUIRED", f"{prefix}.name")
    if not email:
        problems.add("REQUIRED", f"{prefix}.email")
    elif not is_valid_email(email):
        problems.add("INVALID_EMAIL", f"{prefix}.email")
    phone = ""
    if (info.phone or "").strip():
        phone = normalize_phone(info.phone) or ""
        if not phone:
            problems.add("INVALID_PHONE", f"{prefix}.phone")
    return UserInfo(name=name, email=email, phone=phone, department=department)


def _clean_draft(draft: ContractDraft, today: date) -> ContractDraft:
    problems = Problems()
    if draft.plan not in (SubscriptionPlan.MONTHLY, SubscriptionPlan.ANNUAL):
        problems.add("INVALID_PLAN", "plan")
    term = draft.term_months or (12 if draft.plan == SubscriptionPlan.ANNUAL else 1)
    if not 1 <= term <= MAX_TERM_MONTHS:
        problems.add("OUT_OF_RANGE", "termMonths", min=1, max=MAX_TERM_MONTHS)
    if abs((draft.start_date - today).days) > MAX_START_OFFSET_DAYS:
        problems.add("DATE_OUT_OF_RANGE", "startDate")
    lines = [("main", draft.main), *((f"options.{i}", o) for i, o in enumerate(draft.options))]
    if len(draft.options) > MAX_OPTIONS:
        problems.add("OUT_OF_RANGE", "options", min=0, max=MAX_OPTIONS)
    seen: set[str] = set()
    for name, line in lines:
        line.code = _clean_text(problems, line.code, f"{name}.code", 64)
        line.name = _clean_text(problems, line.name, f"{name}.name")
        line.name_en = _clean_text(problems, line.name_en, f"{name}.nameEn")
        if not line.code:
            problems.add("REQUIRED", f"{name}.code")
        if name != "main" and line.code in seen:
            problems.add("DUPLICATE_LINE", f"{name}.code", code=line.code)
        seen.add(line.code)
        if not 0 <= line.unit_price <= MAX_UNIT_PRICE:
            problems.add("OUT_OF_RANGE", f"{name}.unitPrice", min=0, max=MAX_UNIT_PRICE)
        _clean_quantity(problems, line.quantity, f"{name}.quantity")
    if draft.main.quantity < draft.main.min_quantity:
        problems.add("QUANTITY_BELOW_MINIMUM", "main.quantity", min=draft.main.min_quantity)
    draft.payment_method = _clean_text(problems, draft.payment_method, "paymentMethod", 32)
    draft.note = _clean_text(problems, draft.note.replace("\n", " "), "note", NOTE_MAX)
    draft.user_info = clean_user_info(problems, draft.user_info)
    problems.raise_if_any()
    draft.term_months = term
    return draft


async def open_contract(rt: Runtime, actor: Actor, draft: ContractDraft) -> Contract:
    """Open a contract in 新規契約手続き中 with its first version; idempotent per source_key."""
    actor.require(StaffPermission.MANAGE_CONTRACTS)
    if draft.source_key:
        existing = await Contract.get_or_none(source_key=draft.source_key)
        if existing is not None:
            return existing
    draft = _clean_draft(dataclasses.replace(draft), clock.business_today())
    require_row_id(draft.company_id, "companyId")
    if not await Company.exists(id=draft.company_id):
        raise DomainError.of("NOT_FOUND", "companyId")
    try:
        async with unit_of_work():
            contract = await _create(actor, draft)
    except IntegrityError:
        # The same source raced in twice: the winner's contract is the answer.
        if not draft.source_key:
            raise
        return await Contract.get(source_key=draft.source_key)
    return contract


async def _create(actor: Actor, draft: ContractDraft) -> Contract:
    """Inside the caller's unit of work (an order's acceptance, or `open_contract`)."""
    assert draft.term_months is not None
    term_end = dates.first_term_end(draft.plan, draft.start_date, draft.term_months)
    contract = await Contract.create(
        company_id=draft.company_id,
        order_id=draft.order_id,
        source_key=draft.source_key,
        plan=draft.plan,
        start_date=draft.start_date,
        term_months=draft.term_months,
        renewal_month=dates.renewal_month(draft.plan, term_end),
        current_term_end=term_end,
        payment_method=draft.payment_method,
        payment_terms=draft.payment_terms,
        user_info=dataclasses.asdict(draft.user_info),
        note=draft.note,
    )
    version = await ContractVersion.create(
        contract_id=contract.id,
        number=1,
        effective_from=draft.start_date,
        reason="opened",
        created_by_id=actor.user_id,
    )
    await ContractLine.bulk_create(
        [
            _line(version.id, LineKind.MAIN, draft.main, 0),
            *(_line(version.id, LineKind.OPTION, o, i + 1) for i, o in enumerate(draft.options)),
        ]
    )
    await publish(ContractOpened(contract.id, contract.company_id, contract.order_id))  # type: ignore[attr-defined]
    return contract


def _line(version_id: int, kind: LineKind, line: DraftLine, position: int) -> ContractLine:
    return ContractLine(
        version_id=version_id,
        kind=kind,
        product_id=line.product_id,
        code=line.code,
        name=line.name,
        name_en=line.name_en,
        unit_price=line.unit_price,
        quantity=line.quantity,
        min_quantity=line.min_quantity if kind == LineKind.MAIN else 0,
        tax_category=line.tax_category,
        position=position,
    )


@dataclass
class CatalogContractForm:
    """Staff opening a contract from the catalog: prices are the catalog's of today."""

    company_id: int
    product_id: int
    quantity: int
    start_date: date
    options: list[tuple[str, int]] = field(default_factory=list)  # (option code, quantity)
    payment_method: str = ""
    user_info: UserInfo = field(default_factory=UserInfo)
    note: str = ""
    idempotency_key: str | None = None


async def open_contract_from_catalog(
    rt: Runtime, actor: Actor, form: CatalogContractForm
) -> Contract:
    actor.require(StaffPermission.MANAGE_CONTRACTS)
    require_row_id(form.company_id, "companyId")
    product = await Product.get_or_none(id=require_row_id(form.product_id, "productId"))
    if product is None or product.kind != ProductKind.SUBSCRIPTION or product.plan is None:
        raise DomainError.of("NOT_FOUND", "productId")
    catalog_options = {o.code: o for o in await ProductOption.filter(product_id=product.id)}
    problems = Problems()
    options: list[DraftLine] = []
    for i, (code, quantity) in enumerate(form.options):
        option = catalog_options.get(code)
        if option is None:
            problems.add("OPTION_NOT_AVAILABLE", f"options.{i}.code")
            continue
        options.append(_option_line(product, option, quantity))
    problems.raise_if_any()
    draft = ContractDraft(
        company_id=form.company_id,
        plan=product.plan,
        start_date=form.start_date,
        main=main_line(product, form.quantity),
        options=options,
        payment_method=form.payment_method,
        user_info=form.user_info,
        note=form.note,
        source_key=f"staff:{_key(form.idempotency_key)}" if form.idempotency_key else None,
    )
    return await open_contract(rt, actor, draft)


def _key(value: str) -> str:
    value = value.strip()
    if not value or len(value) > 100 or not value.isprintable():
        raise DomainError.of("INVALID_IDEMPOTENCY_KEY", "idempotencyKey")
    return value


def main_line(product: Product, quantity: int) -> DraftLine:
    return DraftLine(
        product_id=product.id,
        code=product.code,
        name=product.name,
        name_en=product.name_en,
        unit_price=product.price,
        quantity=quantity,
        min_quantity=product.fixed_quantity or product.min_quantity,
        tax_category=product.tax_category.value,
    )


def _option_line(product: Product, option: ProductOption, quantity: int) -> DraftLine:
    return DraftLine(
        product_id=product.id,
        code=option.code,
        name=option.name,
        name_en=option.name_en,
        unit_price=option.price,
        quantity=quantity,
        tax_category=product.tax_category.value,
    )


# ---- from accepted orders ----------------------------------------------------------------

_PLANS = {
    "monthly": SubscriptionPlan.MONTHLY,
    "annual": SubscriptionPlan.ANNUAL,
    # The orders domain spelled the annual plan "yearly" before it used the catalog's value.
    "yearly": SubscriptionPlan.ANNUAL,
}


def _plan_of(value: str | None, product: Product | None) -> SubscriptionPlan:
    plan = _PLANS.get((value or "").strip().lower())
    if plan is None and product is not None and product.plan is not None:
        plan = SubscriptionPlan(product.plan)
    if plan is None:
        raise DomainError.of("INVALID_PLAN", "plan")
    return plan


def _person(value: Any) -> dict[str, Any] | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if value is None:
        return None
    if not isinstance(value, dict):
        value = {k: getattr(value, k, "") for k in ("name", "email", "phone", "department")}
    return value if value.get("email") else None


def _user_info_of(event: Any, line: Any, orderer: Any) -> UserInfo:
    """利用者情報 as the order carried it (per line, else per order), else the orderer."""
    for source in (line, event):
        for attribute in ("user_info", "service_users"):
            person = _person(getattr(source, attribute, None))
            if person is not None:
                return UserInfo(
                    name=str(person.get("name") or ""),
                    email=str(person.get("email") or ""),
                    phone=str(person.get("phone") or ""),
                    department=str(person.get("department") or ""),
                )
    if orderer is None:
        return UserInfo()
    return UserInfo(
        name=orderer.full_name,
        email=orderer.email,
        phone=orderer.phone or "",
        department=orderer.department or "",
    )


async def open_contracts_for_order(event: Any) -> None:
    """OrderAccepted → one contract per subscription line, in the acceptance's transaction.

    Idempotent per order line (`source_key`): an event handled twice opens nothing new.
    Prices are the order's (agreed), not the catalog's of today; the minimum quantity
    and English name come from the catalog product the line names.
    """
    lines = tuple(getattr(event, "subscription_lines", ()) or ())
    if not lines or event.company_id is None:
        return
    from api.accounts.models import User

    products = {p.id: p for p in await Product.filter(id__in=[ln.product_id for ln in lines])}
    orderer = await User.get_or_none(id=event.user_id) if event.user_id else None
    system = Actor.for_system()
    terms = event.payment_terms
    payment_terms = terms if isinstance(terms, dict) else ({"term": terms} if terms else {})
    for line in lines:
        product = products.get(line.product_id)
        options = [
            DraftLine(
                product_id=line.product_id,
                code=o.code,
                name=o.name,
                name_en=getattr(o, "name_en", "") or "",
                unit_price=o.price,
                quantity=getattr(o, "quantity", None) or line.quantity,
                tax_category=line.tax_category,
            )
            for o in line.options
        ]
        draft = ContractDraft(
            company_id=event.company_id,
            plan=_plan_of(line.plan, product),
            start_date=line.desired_start or event.accepted_on,
            main=DraftLine(
                product_id=line.product_id,
                code=line.product_code,
                name=line.name,
                name_en=product.name_en if product else "",
                unit_price=line.unit_price,
                quantity=line.quantity,
                min_quantity=(product.fixed_quantity or product.min_quantity) if product else 0,
                tax_category=line.tax_category,
            ),
            options=options,
            term_months=getattr(line, "term_months", None),
            payment_method=event.payment_method,
            payment_terms=payment_terms,
            user_info=_user_info_of(event, line, orderer),
            order_id=event.order_id,
            source_key=f"order:{event.order_id}:line:{line.order_line_id}",
            note=f"order {event.number}",
        )
        await open_contract(None, system, draft)  # type: ignore[arg-type]


# ---- status changes --------------------------------------------------------------------


async def _contract(contract_id: int) -> Contract:
    contract = await Contract.get_or_none(id=require_row_id(contract_id, "contractId"))
    if contract is None:
        raise DomainError.of("NOT_FOUND", "contractId")
    return contract


def _reason(value: str, default: str) -> str:
    problems = Problems()
    text = _clean_text(problems, value.replace("\n", " "), "reason", REASON_MAX)
    problems.raise_if_any()
    return text or default


async def _start(contract: Contract, actor_id: int | None, reason: str) -> None:
    await CONTRACT_STATUS.transition(
        contract, ContractStatus.ACTIVE, actor_id=actor_id, reason=reason, started_at=clock.now()
    )
    await publish(ContractStarted(contract.id, contract.company_id, contract.start_date))  # type: ignore[attr-defined]


async def _end(contract: Contract, actor_id: int | None, reason: str, end_date: date) -> None:
    await CONTRACT_STATUS.transition(
        contract,
        ContractStatus.ENDED,
        actor_id=actor_id,
        reason=reason,
        ended_at=clock.now(),
        end_date=end_date,
    )
    await publish(ContractEnded(contract.id, contract.company_id, end_date))  # type: ignore[attr-defined]


async def complete_setup(rt: Runtime, actor: Actor, contract_id: int, reason: str = "") -> Contract:
    """Staff finished setting the service up: 契約開始待, or 契約中 when the start date is here."""
    actor.require(StaffPermission.MANAGE_CONTRACTS)
    reason = _reason(reason, "set up")
    contract = await _contract(contract_id)
    async with unit_of_work():
        await CONTRACT_STATUS.transition(
            contract, ContractStatus.WAITING_TO_START, actor_id=actor.user_id, reason=reason
        )
        if contract.start_date <= clock.business_today():
            await _start(contract, actor.user_id, "start date reached")
    return contract


async def start_contract(rt: Runtime, actor: Actor, contract_id: int, reason: str = "") -> Contract:
    """Staff start a waiting contract by hand (the date job does it otherwise); never early."""
    actor.require(StaffPermission.MANAGE_CONTRACTS)
    reason = _reason(reason, "started by staff")
    contract = await _contract(contract_id)
    if contract.status == ContractStatus.WAITING_TO_START and (
        contract.start_date > clock.business_today()
    ):
        raise DomainError.of(
            "CONTRACT_START_DATE_AHEAD", "contractId", start_date=contract.start_date.isoformat()
        )
    async with unit_of_work():
        await _start(contract, actor.user_id, reason)
    return contract


async def abandon_contract(rt: Runtime, actor: Actor, contract_id: int, reason: str) -> Contract:
    """Staff end a contract that never started (the order was withdrawn during set-up)."""
    actor.require(StaffPermission.MANAGE_CONTRACTS)
    reason = _reason(reason, "")
    if not reason:
        raise DomainError.of("REQUIRED", "reason")
    contract = await _contract(contract_id)
    if contract.status not in (ContractStatus.SETTING_UP, ContractStatus.WAITING_TO_START):
        raise DomainError.of("INVALID_STATUS", "contractId")
    async with unit_of_work():
        # Nothing was served: the version ends where it began.
        await ContractVersion.filter(contract_id=contract.id, effective_until=None).update(
            effective_until=contract.start_date
        )
        await _end(contract, actor.user_id, reason, contract.start_date)
    return contract


# ---- the date job --------------------------------------------------------------------------


async def run_contract_dates(rt: Runtime, today: date | None = None) -> dict[str, int]:
    """Everything due up to `today`: starts, ends and term roll-overs. Running it twice
    changes nothing; a day the worker missed is caught up on the next run."""
    today = today or clock.business_today()
    started = ended = renewed = 0
    system = Actor.for_system()
    due = await Contract.filter(
        status=ContractStatus.WAITING_TO_START, start_date__lte=today
    ).order_by("id")
    for contract in due:
        try:
            async with unit_of_work():
                await _start(contract, system.user_id, "start date reached")
            started += 1
        except DomainError:
            continue  # another worker or staff moved it first
    finishing = await Contract.filter(status=ContractStatus.ACTIVE, end_date__lt=today).order_by(
        "id"
    )
    for contract in finishing:
        assert contract.end_date is not None
        try:
            async with unit_of_work():
                await _end(contract, system.user_id, "end date passed", contract.end_date)
            ended += 1
        except DomainError:
            continue
    rolling = await Contract.filter(
        status=ContractStatus.ACTIVE, end_date=None, current_term_end__lt=today
    ).order_by("id")
    for contract in rolling:
        term_end = dates.term_end_covering(
            contract.plan, contract.current_term_end, contract.term_months, today
        )
        # Conditional on the old value: a second worker's run updates nothing.
        renewed += await Contract.filter(
            id=contract.id, current_term_end=contract.current_term_end
        ).update(
            current_term_end=term_end, renewal_month=dates.renewal_month(contract.plan, term_end)
        )
    noticed = await _renewal_notices(rt, today)
    from api.contracts.charges import bill_due_contracts

    billed = await bill_due_contracts(rt, today)
    return {
        "started": started,
        "ended": ended,
        "renewed": renewed,
        "renewal_notices": noticed,
        "charges": billed,
    }


async def _renewal_notices(rt: Runtime, today: date) -> int:
    """Annual contracts renew at the end of the term unless cancelled: the company's
    administrators are told `renewal_notice_days` before (once per term)."""
    from api.accounts.models import User, UserKind, UserStatus
    from api.companies.permissions import ADMINISTRATOR
    from api.notifications.outbox import queue_mail

    days = rt.policy.contracts.renewal_notice_days
    if not days:
        return 0
    due = await Contract.filter(
        status=ContractStatus.ACTIVE,
        plan=SubscriptionPlan.ANNUAL,
        end_date=None,
        current_term_end__lte=today + timedelta(days=days),
        current_term_end__gte=today,
    ).order_by("id")
    sent = 0
    for contract in due:
        if contract.renewal_notice_for == contract.current_term_end:
            continue
        async with unit_of_work():
            # Conditional: of two workers, one sends.
            won = await Contract.filter(
                id=contract.id, renewal_notice_for=contract.renewal_notice_for
            ).update(renewal_notice_for=contract.current_term_end)
            if not won:
                continue
            admins = await User.filter(
                company_id=contract.company_id,
                kind=UserKind.MEMBER,
                status=UserStatus.ACTIVE,
                role_key=ADMINISTRATOR,
            ).order_by("id")
            renews_on = contract.current_term_end + timedelta(days=1)
            for admin in admins:
                await queue_mail(
                    rt,
                    "contract_renewal_notice",
                    admin.email,
                    {
                        "name": admin.full_name,
                        "contract_number": contract.number,
                        "term_end": contract.current_term_end.isoformat(),
                        "renews_on": renews_on.isoformat(),
                        "next_term_end": dates.next_term_end(
                            contract.plan, contract.current_term_end, contract.term_months
                        ).isoformat(),
                    },
                    admin.language,
                )
            sent += 1
    return sent


# ---- reads for other domains (billing, support) ---------------------------------------------

RUNNING = (ContractStatus.SETTING_UP, ContractStatus.WAITING_TO_START, ContractStatus.ACTIVE)


async def running_contract_numbers(company_id: int) -> list[str]:
    """The numbers of the company's contracts not ended (being set up, waiting, active)."""
    ids = await Contract.filter(company_id=company_id, status__in=RUNNING).order_by("id")
    return [c.number for c in ids]


async def contract_as_of(company_id: int, day: date) -> list[ContractOnDay]:
    """What the company had on `day`: each contract in service then, with the version in
    effect and its lines (three queries whatever the number of contracts)."""
    contracts = await Contract.filter(
        company_id=company_id,
        status__in=[ContractStatus.WAITING_TO_START, ContractStatus.ACTIVE, ContractStatus.ENDED],
        start_date__lte=day,
    ).order_by("id")
    contracts = [c for c in contracts if c.end_date is None or c.end_date >= day]
    if not contracts:
        return []
    versions = await ContractVersion.filter(
        contract_id__in=[c.id for c in contracts], effective_from__lte=day
    )
    in_effect = {
        v.contract_id: v  # type: ignore[attr-defined]
        for v in versions
        if v.effective_until is None or v.effective_until > day
    }
    lines_by_version: dict[int, list[ContractLine]] = {}
    if in_effect:
        for line in await ContractLine.filter(
            version_id__in=[v.id for v in in_effect.values()]
        ).order_by("position", "id"):
            lines_by_version.setdefault(line.version_id, []).append(line)  # type: ignore[attr-defined]
    return [
        ContractOnDay(c, in_effect[c.id], lines_by_version.get(in_effect[c.id].id, []))
        for c in contracts
        if c.id in in_effect
    ]
