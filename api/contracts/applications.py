"""Changes (数量・商品変更, 004 §6) and cancellations (解約, 004 §7) as applications.

A member with `manage_contracts` applies; the store accepts (or refuses with a
reason); a change then waits for the maker's delivery and the customer's
受領確認 through a single-use link, a cancellation is completed by the store.
Only then does the contract get a new version (or an end date), on the date the
store's policy (`Policy.contracts`, docs/contracts.md) gives:

- changes: `addition` / `reduction` / `product_change` (`annual_product_change`)
  timings, each immediate, end of term or refused; an application takes the
  latest timing of its parts, and a product change decides for the whole;
- cancellations: the last day of service is the end of the month or of the term.

A contract has at most one open application (`open_contract_id` is unique), and
no application is taken while a version decided earlier is still ahead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from api import clock
from api.accounts.models import User
from api.actor import Actor
from api.audit.idempotency import check_key, earlier_result, run_once
from api.catalog.models import Product, ProductKind, ProductOption, SubscriptionPlan
from api.companies.permissions import MemberPermission, StaffPermission
from api.contracts import charges, dates
from api.contracts.events import ContractChanged
from api.contracts.models import (
    Contract,
    ContractApplication,
    ContractLine,
    ContractVersion,
    ProductChangePath,
)
from api.contracts.service import (
    MAX_OPTIONS,
    MAX_QUANTITY,
    UserInfo,
    clean_user_info,
    main_line,
    require_row_id,
)
from api.contracts.states import (
    ApplicationKind,
    ApplicationStatus,
    CancellationTiming,
    ChangeTiming,
    ContractStatus,
    LineKind,
    application_machine,
)
from api.db import unit_of_work
from api.errors import DomainError, Problems
from api.events import publish
from api.legal.models import Consent, LegalDocumentKind
from api.legal.service import current_documents
from api.notifications.outbox import queue_mail
from api.runtime import Runtime
from api.tokens import hash_token, new_token
from api.validation import nfkc

REASON_MAX = 500
TIMING_ORDER = {ChangeTiming.IMMEDIATE: 0, ChangeTiming.END_OF_TERM: 1}


@dataclass
class ChangeForm:
    """数量・商品変更: the contract as it should be (main quantity, the whole option set)."""

    contract_id: int
    quantity: int
    options: list[tuple[str, int]] = field(default_factory=list)
    product_id: int | None = None  # a different product along an allowed path
    user_info: UserInfo = field(default_factory=UserInfo)
    payment_method: str = ""
    service_terms_version: int | None = None
    terms_of_sale_version: int | None = None
    idempotency_key: str | None = None


@dataclass
class CancellationForm:
    """部分解約 (lines with the quantities to cancel) or 一括解約 (`whole`)."""

    contract_id: int
    whole: bool = False
    lines: list[tuple[str, int]] = field(default_factory=list)  # (code, quantity to cancel)
    reason: str = ""
    terms_of_sale_version: int | None = None
    idempotency_key: str | None = None


# ---- shared checks --------------------------------------------------------------------------


async def _member_contract(actor: Actor, contract_id: int) -> Contract:
    """The member's company's active contract (another company's is simply not found)."""
    actor.require(MemberPermission.MANAGE_CONTRACTS)
    contract = await Contract.get_or_none(
        id=require_row_id(contract_id, "contractId"), company_id=actor.company_id
    )
    if contract is None:
        raise DomainError.of("NOT_FOUND", "contractId")
    if contract.status != ContractStatus.ACTIVE:
        raise DomainError.of("INVALID_STATUS", "contractId", status=contract.status.name)
    if contract.end_date is not None:
        raise DomainError.of("CONTRACT_ENDING", "contractId", endDate=contract.end_date.isoformat())
    return contract


async def _current_version(contract: Contract, today: date) -> tuple[ContractVersion, list]:
    """The version in effect today; refused while a later one is already decided."""
    versions = await ContractVersion.filter(contract_id=contract.id).order_by("number")
    ahead = [v for v in versions if v.effective_from > today]
    if ahead:
        raise DomainError.of(
            "CONTRACT_CHANGE_PENDING",
            "contractId",
            effectiveFrom=ahead[0].effective_from.isoformat(),
        )
    current = [v for v in versions if v.effective_from <= today][-1]
    lines = await ContractLine.filter(version_id=current.id).order_by("position", "id")
    return current, lines


async def _no_open_application(contract: Contract) -> None:
    open_one = await ContractApplication.get_or_none(open_contract_id=contract.id)
    if open_one is not None:
        raise DomainError.of("APPLICATION_ALREADY_OPEN", "contractId", number=open_one.number)


async def _consents(
    problems: Problems, wanted: dict[LegalDocumentKind, tuple[int | None, str]]
) -> dict[str, Any]:
    """The versions agreed to must be the current ones (recorded on the application)."""
    documents = await current_documents()
    agreed: dict[str, Any] = {}
    for kind, (version, field_name) in wanted.items():
        current = documents.get(kind)
        if version is None:
            problems.add("CONSENT_REQUIRED", field_name)
        elif current is None or current.version != version:
            problems.add(
                "CONSENT_OUTDATED", field_name, current=current.version if current else None
            )
        else:
            agreed[kind.value] = {"version": version, "document_id": current.id}
    return agreed


async def _record_consents(user_id: int | None, consents: dict[str, Any]) -> None:
    if user_id is None:
        return
    for entry in consents.values():
        await Consent.get_or_create(user_id=user_id, document_id=entry["document_id"])


def _line_dict(line: Any) -> dict[str, Any]:
    return {
        "kind": str(line.kind),
        "product_id": line.product_id,
        "code": line.code,
        "name": line.name,
        "name_en": line.name_en,
        "unit_price": line.unit_price,
        "quantity": line.quantity,
        "min_quantity": line.min_quantity,
        "tax_category": line.tax_category,
    }


def _changes(before: list[dict], after: list[dict]) -> list[dict[str, Any]]:
    old = {d["code"]: d for d in before}
    new = {d["code"]: d for d in after}
    found = []
    for code in [*old, *(c for c in new if c not in old)]:
        a = old.get(code, {}).get("quantity", 0)
        b = new.get(code, {}).get("quantity", 0)
        if a != b:
            name = (new.get(code) or old[code])["name"]
            found.append({"code": code, "name": name, "from_quantity": a, "to_quantity": b})
    return found


async def _requester(actor: Actor) -> User:
    return actor.require_user()


def _key(value: str | None) -> str | None:
    key = check_key(value)
    if key is not None and not key.isprintable():
        raise DomainError.of("INVALID_IDEMPOTENCY_KEY", "idempotencyKey")
    return key


async def _replay_for(actor: Actor, ref: str) -> ContractApplication:
    found = await ContractApplication.get_or_none(id=int(ref), company_id=actor.company_id)
    if found is None or found.requested_by_id != actor.user_id:
        raise DomainError.of("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    return found


async def _create(
    rt: Runtime, actor: Actor, key: str | None, values: dict[str, Any], template: str
) -> ContractApplication:
    user = await _requester(actor)

    async def work() -> ContractApplication:
        application = await ContractApplication.create(**values)
        await _record_consents(user.id, values.get("consents", {}))
        await _mail(rt, application, template, user)
        return application

    try:
        return await run_once(
            "contract_application",
            key,
            work=work,
            ref=lambda a: str(a.id),
            replay=lambda ref: _replay_for(actor, ref),
        )
    except IntegrityError:
        # Another administrator's application for this contract won the race.
        other = await ContractApplication.get_or_none(open_contract_id=values["open_contract_id"])
        raise DomainError.of(
            "APPLICATION_ALREADY_OPEN", "contractId", number=other.number if other else None
        ) from None


# ---- the change application (004 §6.2) ------------------------------------------------------


def change_timing(
    rt: Runtime, plan: SubscriptionPlan, product_changed: bool, changes: list[dict]
) -> ChangeTiming:
    """The policy's timing for an application: a product change decides for the whole,
    else the latest of its additions and reductions; a refused part refuses it."""
    policy = rt.policy.contracts
    parts: list[tuple[str, ChangeTiming]] = []
    if product_changed:
        timing = (
            policy.annual_product_change
            if plan == SubscriptionPlan.ANNUAL
            else policy.product_change
        )
        parts.append(("product_change", timing))
    else:
        if any(c["to_quantity"] > c["from_quantity"] for c in changes):
            parts.append(("addition", policy.addition))
        if any(c["to_quantity"] < c["from_quantity"] for c in changes):
            parts.append(("reduction", policy.reduction))
    for part, timing in parts:
        if timing == ChangeTiming.REFUSED:
            raise DomainError.of("CHANGE_NOT_OFFERED", "contractId", change=part)
    return max((t for _, t in parts), key=TIMING_ORDER.__getitem__)


def change_effective_date(contract: Contract, timing: ChangeTiming, today: date) -> date:
    if timing == ChangeTiming.IMMEDIATE:
        return today
    term_end = dates.term_end_covering(
        contract.plan, contract.current_term_end, contract.term_months, today
    )
    return term_end + timedelta(days=1)


async def apply_for_change(rt: Runtime, actor: Actor, form: ChangeForm) -> ContractApplication:
    key = _key(form.idempotency_key)
    actor.require(MemberPermission.MANAGE_CONTRACTS)
    earlier = await earlier_result("contract_application", key)
    if earlier is not None:  # a repeat of an application already made: the same answer
        return await _replay_for(actor, earlier)
    contract = await _member_contract(actor, form.contract_id)
    today = clock.business_today()
    policy = rt.policy.contracts
    if (
        contract.plan == SubscriptionPlan.ANNUAL
        and policy.annual_changes_in_renewal_month_only
        and today.month != contract.renewal_month
    ):
        raise DomainError.of(
            "OUTSIDE_RENEWAL_MONTH",
            "contractId",
            renewalMonth=contract.renewal_month,
            currentTermEnd=contract.current_term_end.isoformat(),
        )
    version, lines = await _current_version(contract, today)
    await _no_open_application(contract)
    main = next(line for line in lines if line.kind == LineKind.MAIN)
    problems = Problems()

    product_changed = form.product_id is not None and form.product_id != main.product_id
    if product_changed:
        assert form.product_id is not None
        product = await Product.get_or_none(id=require_row_id(form.product_id, "productId"))
        allowed = main.product_id is not None and await ProductChangePath.exists(
            from_product_id=main.product_id, to_product_id=form.product_id
        )
        if (
            product is None
            or not allowed
            or product.kind != ProductKind.SUBSCRIPTION
            or product.plan != contract.plan
        ):
            raise DomainError.of("PRODUCT_CHANGE_NOT_ALLOWED", "productId")
        new_main = main_line(product, form.quantity).__dict__ | {"kind": "main"}
        option_product_id = product.id
    else:
        new_main = _line_dict(main) | {"quantity": form.quantity}
        option_product_id = main.product_id
    if not 1 <= form.quantity <= MAX_QUANTITY:
        problems.add("OUT_OF_RANGE", "quantity", min=1, max=MAX_QUANTITY)
    elif form.quantity < new_main["min_quantity"]:
        problems.add("QUANTITY_BELOW_MINIMUM", "quantity", min=new_main["min_quantity"])

    catalog = {o.code: o for o in await ProductOption.filter(product_id=option_product_id)}
    kept = {line.code: line for line in lines if line.kind == LineKind.OPTION}
    new_options: list[dict[str, Any]] = []
    seen: set[str] = set()
    if len(form.options) > MAX_OPTIONS:
        problems.add("OUT_OF_RANGE", "options", min=0, max=MAX_OPTIONS)
    for i, (code, quantity) in enumerate(form.options[:MAX_OPTIONS]):
        code = nfkc(code or "").strip()
        if code in seen:
            problems.add("DUPLICATE_LINE", f"options.{i}.code", code=code[:64])
            continue
        seen.add(code)
        if not 1 <= quantity <= MAX_QUANTITY:
            problems.add("OUT_OF_RANGE", f"options.{i}.quantity", min=1, max=MAX_QUANTITY)
            continue
        if code in kept and not product_changed:
            new_options.append(_line_dict(kept[code]) | {"quantity": quantity})
        elif code in catalog:
            option: ProductOption = catalog[code]
            new_options.append(
                {
                    "kind": "option",
                    "product_id": option_product_id,
                    "code": option.code,
                    "name": option.name,
                    "name_en": option.name_en,
                    "unit_price": option.price,
                    "quantity": quantity,
                    "min_quantity": 0,
                    "tax_category": new_main["tax_category"],
                }
            )
        else:
            problems.add("OPTION_NOT_AVAILABLE", f"options.{i}.code")
    user_info = clean_user_info(problems, form.user_info)
    if form.payment_method not in {m.code for m in rt.policy.payment_methods}:
        problems.add(
            "UNKNOWN_PAYMENT_METHOD",
            "paymentMethod",
            offered=[m.code for m in rt.policy.payment_methods],
        )
    consents = await _consents(
        problems,
        {
            LegalDocumentKind.SERVICE_TERMS: (form.service_terms_version, "serviceTermsVersion"),
            LegalDocumentKind.TERMS_OF_SALE: (form.terms_of_sale_version, "termsOfSaleVersion"),
        },
    )
    problems.raise_if_any()

    target = [new_main, *new_options]
    changes = _changes([_line_dict(line) for line in lines], target)
    if not changes:
        raise DomainError.of("NO_CHANGE", "quantity")
    timing = change_timing(rt, contract.plan, product_changed, changes)
    values = {
        "contract_id": contract.id,
        "company_id": contract.company_id,
        "kind": ApplicationKind.CHANGE,
        "open_contract_id": contract.id,
        "base_version_number": version.number,
        "lines": target,
        "changes": changes,
        "timing": timing.value,
        "effective_date": change_effective_date(contract, timing, today),
        "user_info": user_info.__dict__,
        "payment_method": form.payment_method,
        "consents": consents,
        "requested_by_id": actor.user_id,
    }
    return await _create(rt, actor, key, values, "contract_change_received")


# ---- the cancellation application (004 §7) ---------------------------------------------------


def cancellation_last_day(rt: Runtime, contract: Contract, today: date) -> tuple[str, date]:
    policy = rt.policy.contracts
    timing = (
        policy.annual_cancellation
        if contract.plan == SubscriptionPlan.ANNUAL
        else policy.monthly_cancellation
    )
    if timing == CancellationTiming.END_OF_MONTH:
        return timing.value, dates.month_end(today)
    term_end = dates.term_end_covering(
        contract.plan, contract.current_term_end, contract.term_months, today
    )
    return timing.value, term_end


async def apply_for_cancellation(
    rt: Runtime, actor: Actor, form: CancellationForm
) -> ContractApplication:
    key = _key(form.idempotency_key)
    actor.require(MemberPermission.MANAGE_CONTRACTS)
    earlier = await earlier_result("contract_application", key)
    if earlier is not None:  # a repeat of an application already made: the same answer
        return await _replay_for(actor, earlier)
    contract = await _member_contract(actor, form.contract_id)
    today = clock.business_today()
    version, lines = await _current_version(contract, today)
    await _no_open_application(contract)
    problems = Problems()
    reason = nfkc(form.reason or "").replace("\n", " ").strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in reason):
        problems.add("INVALID_CHARACTERS", "reason")
    elif len(reason) > REASON_MAX:
        problems.add("TOO_LONG", "reason", max=REASON_MAX)
    current = [_line_dict(line) for line in lines]
    if form.whole:
        remaining: list[dict[str, Any]] = []
        if form.lines:
            problems.add("NOT_ALLOWED_WITH_WHOLE", "lines")
    else:
        by_code = {d["code"]: dict(d) for d in current}
        if not form.lines:
            problems.add("REQUIRED", "lines")
        seen: set[str] = set()
        for i, (code, quantity) in enumerate(form.lines[: MAX_OPTIONS + 1]):
            line = by_code.get(code)
            if line is None:
                problems.add("NOT_FOUND", f"lines.{i}.code")
                continue
            if code in seen:
                problems.add("DUPLICATE_LINE", f"lines.{i}.code", code=code[:64])
                continue
            seen.add(code)
            if not 1 <= quantity <= line["quantity"]:
                problems.add("OUT_OF_RANGE", f"lines.{i}.quantity", min=1, max=line["quantity"])
                continue
            line["quantity"] -= quantity
            if line["kind"] == "main" and line["quantity"] < max(line["min_quantity"], 1):
                # Below the minimum only by cancelling the whole contract (一括解約).
                problems.add(
                    "QUANTITY_BELOW_MINIMUM",
                    f"lines.{i}.quantity",
                    min=max(line["min_quantity"], 1),
                    max=line["quantity"] + quantity - max(line["min_quantity"], 1),
                )
        remaining = [d for d in by_code.values() if d["quantity"] > 0]
    consents = await _consents(
        problems,
        {LegalDocumentKind.TERMS_OF_SALE: (form.terms_of_sale_version, "termsOfSaleVersion")},
    )
    problems.raise_if_any()
    timing, last_day = cancellation_last_day(rt, contract, today)
    values = {
        "contract_id": contract.id,
        "company_id": contract.company_id,
        "kind": ApplicationKind.FULL_CANCELLATION
        if form.whole
        else ApplicationKind.PARTIAL_CANCELLATION,
        "open_contract_id": contract.id,
        "base_version_number": version.number,
        "lines": remaining,
        "changes": _changes(current, remaining),
        "timing": timing,
        "effective_date": last_day,
        "user_info": contract.user_info,
        "payment_method": contract.payment_method,
        "consents": consents,
        "reason": reason,
        "requested_by_id": actor.user_id,
    }
    return await _create(rt, actor, key, values, "contract_cancellation_received")


# ---- the store's and the member's steps -------------------------------------------------------


async def _application(application_id: int) -> ContractApplication:
    found = await ContractApplication.get_or_none(
        id=require_row_id(application_id, "applicationId")
    )
    if found is None:
        raise DomainError.of("NOT_FOUND", "applicationId")
    return found


def _clean_reason(value: str, required: bool) -> str:
    text = nfkc(value or "").replace("\n", " ").strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise DomainError.of("INVALID_CHARACTERS", "reason")
    if len(text) > REASON_MAX:
        raise DomainError.of("TOO_LONG", "reason", max=REASON_MAX)
    if required and not text:
        raise DomainError.of("REQUIRED", "reason")
    return text


async def accept_application(rt: Runtime, actor: Actor, application_id: int) -> ContractApplication:
    """Staff accept: mail ご注文確定 (change) / 受付 (cancellation); nothing in effect yet."""
    actor.require(StaffPermission.MANAGE_CONTRACTS)
    application = await _application(application_id)
    async with unit_of_work():
        await application_machine(application.kind).transition(
            application,
            ApplicationStatus.ACCEPTED,
            actor_id=actor.user_id,
            reason="accepted",
            decided_at=clock.now(),
        )
        template = (
            "contract_change_accepted"
            if application.kind == ApplicationKind.CHANGE
            else "contract_cancellation_accepted"
        )
        await _mail(rt, application, template)
    return application


async def mark_delivered(rt: Runtime, actor: Actor, application_id: int) -> ContractApplication:
    """Staff: the maker delivered the change; the customer gets the 受領確認 link."""
    actor.require(StaffPermission.MANAGE_CONTRACTS)
    application = await _application(application_id)
    if application.kind != ApplicationKind.CHANGE:
        raise DomainError.of("INVALID_STATUS", "applicationId")
    raw, hashed = new_token()
    days = rt.policy.contracts.receipt_link_days
    async with unit_of_work():
        await application_machine(application.kind).transition(
            application,
            ApplicationStatus.DELIVERED,
            actor_id=actor.user_id,
            reason="delivered by the maker",
            receipt_token_hash=hashed,
            receipt_token_expires_at=clock.now() + timedelta(days=days),
        )
        url = f"{rt.settings.public_base_url}/contracts/receipt?token={raw}"
        await _mail(rt, application, "contract_change_receipt", extra={"url": url, "days": days})
    return application


async def confirm_receipt(rt: Runtime, actor: Actor, token: str) -> ContractApplication:
    """受領確認 (004 §6.3): the change takes effect by the policy. The link works once."""
    actor.require(MemberPermission.MANAGE_CONTRACTS)
    token = (token or "").strip()
    if not token or len(token) > 128 or not token.isprintable():
        raise DomainError.of("TOKEN_INVALID", "token")
    application = await ContractApplication.get_or_none(
        receipt_token_hash=hash_token(token), company_id=actor.company_id
    )
    if application is None or application.status != ApplicationStatus.DELIVERED:
        raise DomainError.of("TOKEN_INVALID", "token")
    if application.receipt_token_expires_at and application.receipt_token_expires_at < clock.now():
        raise DomainError.of("TOKEN_EXPIRED", "token")
    contract = await Contract.get(id=application.contract_id)
    today = clock.business_today()
    timing = ChangeTiming(application.timing)
    effective = change_effective_date(contract, timing, today)
    async with unit_of_work():
        await application_machine(application.kind).transition(
            application,
            ApplicationStatus.COMPLETED,
            actor_id=actor.user_id,
            reason="receipt confirmed",
            open_contract_id=None,
            receipt_token_hash=None,
            completed_at=clock.now(),
            effective_date=effective,
        )
        # The period the change lands in is billed as it was before the change.
        await charges.bill_contract(rt, contract, today)
        number = await apply_version(
            contract, application.lines, effective, f"change {application.number}", actor.user_id
        )
        await ContractApplication.filter(id=application.id).update(applied_version_number=number)
        application.applied_version_number = number
        await charges.bill_contract(rt, contract, today)
    return application


async def complete_cancellation(
    rt: Runtime, actor: Actor, application_id: int
) -> ContractApplication:
    """Staff complete a cancellation (mail お申込み手続完了): from the day after the last
    day of service the cancelled lines (or the whole contract) are gone."""
    actor.require(StaffPermission.MANAGE_CONTRACTS)
    application = await _application(application_id)
    if application.kind == ApplicationKind.CHANGE:
        raise DomainError.of("INVALID_STATUS", "applicationId")
    contract = await Contract.get(id=application.contract_id)
    last_day = application.effective_date
    today = clock.business_today()
    async with unit_of_work():
        await application_machine(application.kind).transition(
            application,
            ApplicationStatus.COMPLETED,
            actor_id=actor.user_id,
            reason="cancellation completed",
            open_contract_id=None,
            completed_at=clock.now(),
        )
        await charges.bill_contract(rt, contract, today)
        reason = f"cancellation {application.number}"
        if application.kind == ApplicationKind.FULL_CANCELLATION:
            await ContractVersion.filter(contract_id=contract.id, effective_until=None).update(
                effective_until=last_day + timedelta(days=1)
            )
            await Contract.filter(id=contract.id).update(end_date=last_day)
            contract.end_date = last_day
        else:
            number = await apply_version(
                contract, application.lines, last_day + timedelta(days=1), reason, actor.user_id
            )
            await ContractApplication.filter(id=application.id).update(
                applied_version_number=number
            )
            application.applied_version_number = number
        await charges.bill_contract(rt, contract, today)
        await _mail(rt, application, "contract_cancellation_completed")
    return application


async def withdraw_application(
    rt: Runtime, actor: Actor, application_id: int
) -> ContractApplication:
    """The member takes it back before the store accepted it."""
    actor.require(MemberPermission.MANAGE_CONTRACTS)
    application = await _application(application_id)
    if application.company_id != actor.company_id:
        raise DomainError.of("NOT_FOUND", "applicationId")
    async with unit_of_work():
        await application_machine(application.kind).transition(
            application,
            ApplicationStatus.WITHDRAWN,
            actor_id=actor.user_id,
            reason="withdrawn by the member",
            open_contract_id=None,
            decided_at=clock.now(),
        )
    return application


async def refuse_application(
    rt: Runtime, actor: Actor, application_id: int, reason: str
) -> ContractApplication:
    actor.require(StaffPermission.MANAGE_CONTRACTS)
    reason = _clean_reason(reason, required=True)
    application = await _application(application_id)
    async with unit_of_work():
        await application_machine(application.kind).transition(
            application,
            ApplicationStatus.REFUSED,
            actor_id=actor.user_id,
            reason=reason,
            open_contract_id=None,
            refusal_reason=reason,
            receipt_token_hash=None,
            decided_at=clock.now(),
        )
        await _mail(rt, application, "contract_application_refused", extra={"reason": reason})
    return application


# ---- versions --------------------------------------------------------------------------------


async def apply_version(
    contract: Contract,
    lines: list[dict[str, Any]],
    effective_from: date,
    reason: str,
    actor_id: int | None,
) -> int:
    """A new version from `effective_from`; the one before ends there (no overlap).

    Inside the caller's unit of work. The open version is closed by a conditional
    update, so two completions racing cannot both close it.
    """
    current = (
        await ContractVersion.filter(contract_id=contract.id, effective_until=None)
        .order_by("-number")
        .first()
    )
    if current is None or current.effective_from > effective_from:
        raise DomainError.of("CONTRACT_CHANGE_PENDING", "contractId")
    closed = await ContractVersion.filter(id=current.id, effective_until=None).update(
        effective_until=effective_from
    )
    if closed != 1:
        raise DomainError.of("CONFLICT", "contractId")
    version = await ContractVersion.create(
        contract_id=contract.id,
        number=current.number + 1,
        effective_from=effective_from,
        reason=reason[:255],
        created_by_id=actor_id,
    )
    await ContractLine.bulk_create(
        [
            ContractLine(
                version_id=version.id,
                kind=LineKind(d["kind"]),
                product_id=d.get("product_id"),
                code=d["code"],
                name=d["name"],
                name_en=d.get("name_en", ""),
                unit_price=d["unit_price"],
                quantity=d["quantity"],
                min_quantity=d.get("min_quantity", 0) if d["kind"] == "main" else 0,
                tax_category=d.get("tax_category", "standard"),
                position=i,
            )
            for i, d in enumerate(lines)
        ]
    )
    await publish(
        ContractChanged(contract.id, contract.company_id, version.number, effective_from)  # type: ignore[attr-defined]
    )
    return version.number


# ---- mail ------------------------------------------------------------------------------------


async def _mail(
    rt: Runtime,
    application: ContractApplication,
    template: str,
    user: User | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Mails go to the administrator who applied (the 利用者情報 address is not theirs)."""
    if user is None and application.requested_by_id is not None:
        user = await User.get_or_none(id=application.requested_by_id)
    if user is None:
        return
    contract = await Contract.get(id=application.contract_id)
    context = {
        "name": user.full_name,
        "number": application.number,
        "contract_number": contract.number,
        "kind": application.kind.value,
        "changes": application.changes,
        "effective_date": application.effective_date.isoformat(),
        "timing": application.timing,
        **(extra or {}),
    }
    await queue_mail(rt, template, user.email, context, user.language)
