"""The billing domain's writes: payment terms (issue 14).

Payment terms (支払条件, seed 000 §7): a company has one of the terms the store
offers; a member with `manage_company` changes it. The mid-period rule:

    A change takes effect at the moment it is recorded. Every document made from
    that moment (quote, order, contract) records the new term, every document made
    before keeps the term it was made under, and a charge is billed under the term
    of the document it comes from. A period in which the term changed therefore
    closes twice: once under the old term (the charges of documents made before
    the change, on the old term's closing date) and once under the new one. No
    charge moves between invoices because of a later change.

Guests and members without a company have 月末締め/翌月末払い only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count, Sum

from api import clock
from api.actor import Actor
from api.billing.models import (
    BillingRun,
    BillingRunBatch,
    Charge,
    DocumentTerm,
    Invoice,
    PaymentTermChange,
    PeriodClose,
)
from api.billing.states import (
    BILLING_RUN_STATUS,
    BillingRunStatus,
    ChargeKind,
    PaymentTerm,
    PeriodCloseStatus,
)
from api.billing.terms import (
    GUEST_TERM,
    PeriodDates,
    SettlementCalendar,
    closing_date,
    next_closing_date,
    period_dates,
)
from api.calendar.service import load_calendar
from api.companies.models import Company
from api.companies.permissions import MemberPermission, StaffPermission
from api.db import unit_of_work
from api.errors import DomainError, Problems
from api.money import MAX_AMOUNT, TaxCategory, TaxRounding, is_reduced, tax_on, tax_rate_percent
from api.notifications.outbox import queue_mail
from api.runtime import Runtime
from api.validation import nfkc

if TYPE_CHECKING:
    from api.orders.events import OrderAccepted, OrderCancelled, OrderPlaced, OrderShipped

logger = logging.getLogger(__name__)


async def term_at(company_id: int | None, at: datetime | None = None) -> PaymentTerm:
    """The payment term of a company (None: a guest) for a document made at `at` (now)."""
    if company_id is None:
        return GUEST_TERM
    at = at or clock.now()
    change = (
        await PaymentTermChange.filter(company_id=company_id, effective_at__lte=at)
        .order_by("-effective_at", "-id")
        .first()
    )
    return change.term if change else GUEST_TERM


async def term_for_document(company_id: int | None) -> PaymentTerm:
    """What quotes, orders and contracts record when they are made: the term in force now."""
    return await term_at(company_id)


def offered_terms(rt: Runtime) -> tuple[PaymentTerm, ...]:
    return rt.policy.billing.payment_terms


async def change_payment_term(
    rt: Runtime, actor: Actor, term: PaymentTerm | str
) -> tuple[PaymentTerm, PaymentTermChange | None]:
    """Change the actor's company's term; documents made from now on get it.

    Choosing the term already in force records nothing and answers the current one.
    """
    actor.require(MemberPermission.MANAGE_COMPANY)
    company_id = actor.company_id
    if company_id is None:
        raise DomainError.of("NO_COMPANY")
    try:
        term = PaymentTerm(term)
    except ValueError:
        raise DomainError.of("PAYMENT_TERM_NOT_OFFERED", "term") from None
    offered = offered_terms(rt)
    if term not in offered:
        raise DomainError.of("PAYMENT_TERM_NOT_OFFERED", "term", offered=[t.name for t in offered])
    async with unit_of_work():
        # Two administrators changing at once: serialised on the company row, so each
        # change's previous_term is the one really in force before it.
        await Company.filter(id=company_id).select_for_update().first()
        now = clock.now()
        current = await term_at(company_id, now)
        if current == term:
            return current, None
        change = await PaymentTermChange.create(
            company_id=company_id,
            term=term,
            previous_term=current,
            effective_at=now,
            changed_by_id=actor.user_id,
        )
    return term, change


EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2999, 12, 31)


async def settlement_calendar() -> SettlementCalendar:
    """The store's business calendar (closures from the database) without Dec 31 – Jan 3."""
    return SettlementCalendar.of(await load_calendar())


async def payment_dates(rt: Runtime, term: PaymentTerm | str, base: date) -> PeriodDates:
    """The period, invoice date and due date of a charge dated `base` under `term`."""
    if not EARLIEST_DATE <= base <= LATEST_DATE:
        raise DomainError.of(
            "OUT_OF_RANGE", "baseDate", min=EARLIEST_DATE.isoformat(), max=LATEST_DATE.isoformat()
        )
    return period_dates(await settlement_calendar(), term, base, rt.policy.billing.due_date_shift)


# ---- the charge ledger -------------------------------------------------------------------

MAX_CHARGE_LINES = 500
MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class ChargeLine:
    """One line of a charge as its source priced it: tax excluded, integer yen."""

    description: str
    quantity: int
    unit_price: int
    tax_category: TaxCategory | str = TaxCategory.STANDARD
    # The rate the source charged; by default the rate in force on the base date.
    rate_percent: int | None = None
    code: str = ""


def account_key(company_id: int | None, user_id: int | None) -> str:
    """The billing account: the company, or a member who has none."""
    if company_id is not None:
        return f"c{company_id}"
    if user_id is not None:
        return f"u{user_id}"
    raise DomainError.of("REQUIRED", "companyId")


def _clean_text(value: str, limit: int) -> str:
    text = " ".join(nfkc(value).split())
    return "".join(ch for ch in text if ch.isprintable())[:limit]


def _line_snapshot(line: ChargeLine, base: date, sign: int) -> dict[str, Any]:
    problems = Problems()
    if not isinstance(line.quantity, int) or not 0 < line.quantity <= MAX_QUANTITY:
        problems.add("OUT_OF_RANGE", "quantity", min=1, max=MAX_QUANTITY)
    if not isinstance(line.unit_price, int) or not 0 <= line.unit_price <= MAX_AMOUNT:
        problems.add("OUT_OF_RANGE", "unitPrice", min=0, max=MAX_AMOUNT)
    try:
        category = TaxCategory(line.tax_category)
    except ValueError:
        problems.add("OUT_OF_RANGE", "taxCategory")
        category = TaxCategory.STANDARD
    problems.raise_if_any()
    rate = line.rate_percent if line.rate_percent is not None else tax_rate_percent(category, base)
    if rate not in (0, 3, 5, 8, 10):
        raise DomainError.of("OUT_OF_RANGE", "ratePercent", min=0, max=10)
    amount = line.quantity * line.unit_price
    if amount > MAX_AMOUNT:
        raise DomainError.of("OUT_OF_RANGE", "amount", min=0, max=MAX_AMOUNT)
    return {
        "description": _clean_text(line.description, 255),
        "code": _clean_text(line.code, 64),
        "quantity": line.quantity,
        "unit_price": sign * line.unit_price,
        "amount": sign * amount,
        "tax_category": category.value,
        "rate_percent": rate,
        "reduced": category == TaxCategory.REDUCED and is_reduced(category, base),
    }


async def _open_closing_date(key: str, term: PaymentTerm, base: date) -> date:
    """The closing date of the first period on or after `base` not closed for the account."""
    closing = closing_date(term, base)
    closed = set(
        await PeriodClose.filter(account_key=key, term=term, closing_date__gte=closing).values_list(
            "closing_date", flat=True
        )
    )
    while closing in closed:
        closing = next_closing_date(term, closing)
    return closing


async def record_charge(
    *,
    company_id: int | None,
    user_id: int | None = None,
    term: PaymentTerm | str,
    base_date: date,
    source_type: str,
    source_id: str,
    lines: Sequence[ChargeLine],
    kind: ChargeKind = ChargeKind.DEBIT,
    description: str = "",
) -> Charge:
    """Put a billable fact on the ledger, once per (source type, source id).

    Called by other domains' event handlers inside their unit of work (it joins it).
    A replayed event answers the charge already recorded and changes nothing.
    Credits (cancellations, reductions) are recorded with positive inputs and
    `kind=CREDIT`; their amounts are stored negative. Every charge lands in the first
    period on or after its base date that is still open for the account.
    """
    key = account_key(company_id, user_id)
    term = PaymentTerm(term)
    source_type = _clean_text(source_type, 32)
    source_id = _clean_text(source_id, 64)
    if not source_type or not source_id:
        raise DomainError.of("REQUIRED", "sourceId")
    if not lines:
        raise DomainError.of("REQUIRED", "lines")
    if len(lines) > MAX_CHARGE_LINES:
        raise DomainError.of("TOO_MANY", "lines", max=MAX_CHARGE_LINES)
    if not EARLIEST_DATE <= base_date <= LATEST_DATE:
        raise DomainError.of(
            "OUT_OF_RANGE", "baseDate", min=EARLIEST_DATE.isoformat(), max=LATEST_DATE.isoformat()
        )
    sign = -1 if kind == ChargeKind.CREDIT else 1
    snapshot = [_line_snapshot(line, base_date, sign) for line in lines]
    business_key = f"{source_type}:{source_id}"
    existing = await Charge.get_or_none(business_key=business_key)
    if existing is not None:
        return existing
    try:
        async with unit_of_work():  # a savepoint inside the publisher's transaction
            return await Charge.create(
                account_key=key,
                company_id=company_id,
                user_id=user_id if company_id is None else None,
                term=term,
                kind=kind,
                base_date=base_date,
                closing_date=await _open_closing_date(key, term, base_date),
                source_type=source_type,
                source_id=source_id,
                business_key=business_key,
                description=_clean_text(description, 255),
                lines=snapshot,
                amount=sum(line["amount"] for line in snapshot),
            )
    except IntegrityError:
        # The same event raced in twice: the first one's charge is the answer.
        return await Charge.get(business_key=business_key)


# ---- the closing run ------------------------------------------------------------------

ABANDONED_AFTER = timedelta(hours=1)  # a run this old and still RUNNING has died


@dataclass(frozen=True)
class DuePeriod:
    account_key: str
    term: PaymentTerm
    closing_date: date
    company_id: int | None
    user_id: int | None


@dataclass
class RunResult:
    run_id: int
    periods_due: int = 0
    periods_done: int = 0
    invoices_made: int = 0
    amount_total: int = 0
    skipped: int = 0  # closed by another run meanwhile
    failures: list[dict[str, Any]] = field(default_factory=list)


async def due_periods(as_of: date, accounts: Sequence[str] | None = None) -> list[DuePeriod]:
    """Every (account, term, closing date) before `as_of` with charges not yet invoiced.

    Driven by the ledger, so a day the worker was down is caught up the next time, and
    a period without charges makes no empty invoice. `accounts` narrows it to a batch.
    """
    qs = Charge.filter(invoice_id__isnull=True, closing_date__lt=as_of)
    if accounts is not None:
        qs = qs.filter(account_key__in=list(accounts))
    rows = (
        await qs.distinct()
        .order_by("closing_date", "account_key", "term")
        .values_list("account_key", "term", "closing_date", "company_id", "user_id")
    )
    return [DuePeriod(k, PaymentTerm(t), d, c, u) for k, t, d, c, u in rows]


def _tax(base: int, rate: int, rounding: TaxRounding) -> int:
    """Tax once on a rate's base; a net credit base gets the tax it gives back."""
    return tax_on(base, rate, rounding) if base >= 0 else -tax_on(-base, rate, rounding)


def invoice_amounts(
    lines: Sequence[dict[str, Any]], rounding: TaxRounding | str
) -> tuple[list[dict[str, Any]], int, int]:
    """The totals per rate and the tax computed once per rate (適格請求書), never per line."""
    rounding = TaxRounding(rounding)
    bases: dict[tuple[int, bool], int] = {}
    for line in lines:
        key = (line["rate_percent"], bool(line["reduced"]))
        bases[key] = bases.get(key, 0) + line["amount"]
    per_rate = [
        {"rate_percent": rate, "reduced": reduced, "base": base, "tax": _tax(base, rate, rounding)}
        for (rate, reduced), base in sorted(bases.items(), reverse=True)
    ]
    subtotal = sum(r["base"] for r in per_rate)
    return per_rate, subtotal, sum(r["tax"] for r in per_rate)


async def _recipient_snapshot(company_id: int | None, user_id: int | None) -> dict[str, Any]:
    """The billing name and address as they are now (copied onto the invoice)."""
    from api.accounts.models import User

    if company_id is not None:
        company = await Company.get(id=company_id)
        return {
            "name": company.billing_name or company.name,
            "department": company.billing_department,
            "postal_code": company.billing_postal_code or company.postal_code,
            "prefecture": company.billing_prefecture or company.prefecture,
            "address_line1": company.billing_address_line1 or company.address_line1,
            "address_line2": company.billing_address_line2 or company.address_line2,
            "phone": company.billing_phone or company.phone,
        }
    user = await User.get(id=user_id)
    return {
        "name": user.full_name,
        "department": "",
        "postal_code": user.postal_code,
        "prefecture": user.prefecture,
        "address_line1": user.address_line1,
        "address_line2": user.address_line2,
        "phone": user.phone,
    }


async def _recipient_people(company_id: int | None, user_id: int | None) -> list[tuple[str, str]]:
    """Who is told about an invoice: the company's administrators, or the member."""
    from api.accounts.models import User
    from api.companies.service import administrators

    if company_id is not None:
        return [(u.email, u.language) for u in await administrators(company_id)]
    user = await User.get(id=user_id)
    return [(user.email, user.language)]


async def _recipient(period: DuePeriod) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    return (
        await _recipient_snapshot(period.company_id, period.user_id),
        await _recipient_people(period.company_id, period.user_id),
    )


def _issuer(rt: Runtime) -> dict[str, Any]:
    """The store as the invoice prints it: name, address lines, registration number."""
    from api.documents.pdf import issuer_party

    party = issuer_party(rt.policy)
    return {
        "name": party.name,
        "lines": list(party.lines),
        "registration_number": party.registration_number,
    }


async def close_period(
    rt: Runtime, period: DuePeriod, *, run_id: int | None, cal: SettlementCalendar
) -> Invoice | None:
    """Close one period: its run record, its invoice and its charges, in one transaction.

    None when another run closed it first; the charges that run could not see (recorded
    while it ran) move on to the next open period, so nothing is missed.
    """
    from api.numbering import next_number

    dates = period_dates(cal, period.term, period.closing_date, rt.policy.billing.due_date_shift)
    try:
        async with unit_of_work():
            record = await PeriodClose.create(
                account_key=period.account_key,
                term=period.term,
                closing_date=period.closing_date,
                company_id=period.company_id,
                status=PeriodCloseStatus.CLOSED,
                run_id=run_id,
            )
            charges = (
                await Charge.filter(
                    account_key=period.account_key,
                    term=period.term,
                    closing_date=period.closing_date,
                    invoice_id__isnull=True,
                )
                .order_by("base_date", "id")
                .select_for_update()
            )
            if not charges:
                return None
            lines = [
                {**line, "base_date": c.base_date.isoformat(), "source": c.business_key}
                for c in charges
                for line in c.lines
            ]
            rounding = rt.policy.tax_rounding
            per_rate, subtotal, tax_total = invoice_amounts(lines, rounding)
            recipient, people = await _recipient(period)
            number = await next_number(rt.policy, "invoice", dates.invoice)
            invoice = await Invoice.create(
                number=number,
                account_key=period.account_key,
                company_id=period.company_id,
                user_id=period.user_id,
                term=period.term,
                period_start=dates.start,
                closing_date=dates.closing,
                invoice_date=dates.invoice,
                due_date=dates.due,
                issuer=_issuer(rt),
                recipient=recipient,
                lines=lines,
                per_rate=per_rate,
                tax_rounding=TaxRounding(rounding).value,
                subtotal=subtotal,
                tax_total=tax_total,
                total=subtotal + tax_total,
                run_id=run_id,
            )
            taken = await Charge.filter(
                id__in=[c.id for c in charges], invoice_id__isnull=True
            ).update(invoice_id=invoice.id)
            if taken != len(charges):  # never on one invoice and another
                raise RuntimeError(f"charges of {period} were invoiced concurrently")
            await PeriodClose.filter(id=record.id).update(
                invoice_id=invoice.id, charges=len(charges)
            )
            for email, language in people:
                await queue_mail(rt, "invoice_issued", email, _mail_context(invoice), language)
            return invoice
    except IntegrityError:
        await _move_late_charges(period)
        return None


async def _move_late_charges(period: DuePeriod) -> int:
    """Charges left open in a period that is closed go to the next open period."""
    moved = 0
    async with unit_of_work():
        late = await Charge.filter(
            account_key=period.account_key,
            term=period.term,
            closing_date=period.closing_date,
            invoice_id__isnull=True,
        ).select_for_update()
        for c in late:
            target = await _open_closing_date(c.account_key, c.term, period.closing_date)
            moved += await Charge.filter(id=c.id, invoice_id__isnull=True).update(
                closing_date=target
            )
    return moved


def _mail_context(invoice: Invoice) -> dict[str, Any]:
    return {
        "name": invoice.recipient.get("name", ""),
        "invoice_number": invoice.number,
        "period_start": invoice.period_start.isoformat(),
        "closing_date": invoice.closing_date.isoformat(),
        "invoice_date": invoice.invoice_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "total": f"{invoice.total:,}",
    }


class RunProgress(Protocol):
    """What a run reports to (api.jobs.progress.Progress: a CLI bar and a job row)."""

    async def set_total(self, total: int) -> None: ...

    async def advance(self, n: int = 1) -> None: ...


BATCH_ACCOUNTS = 200  # accounts per batch: one worker job each


def _check_as_of(as_of: date) -> date:
    today = clock.business_today()
    if not EARLIEST_DATE <= as_of <= min(LATEST_DATE, today):
        # A period is closed once it is over: "as of" a day not yet come would close
        # periods that can still receive charges.
        raise DomainError.of(
            "OUT_OF_RANGE", "date", min=EARLIEST_DATE.isoformat(), max=today.isoformat()
        )
    return as_of


async def start_run(
    actor: Actor,
    *,
    as_of: date | None = None,
    trigger: str = "cron",
    accounts: Sequence[str] | None = None,
    batch_accounts: int | None = None,
    record_empty: bool = True,
) -> tuple[BillingRun | None, list[BillingRunBatch]]:
    """Open a closing run: what is due before `as_of` (today), split into batches of
    accounts. None when nothing is due and `record_empty` is False (the hourly cron)."""
    actor.require(StaffPermission.MANAGE_BILLING)
    as_of = _check_as_of(as_of or clock.business_today())
    await abandon_stale_runs()
    due = await due_periods(as_of, accounts)
    if not due and not record_empty:
        return None, []
    keys = list(dict.fromkeys(p.account_key for p in due))
    size = max(1, batch_accounts or BATCH_ACCOUNTS)
    async with unit_of_work():
        run = await BillingRun.create(
            trigger=trigger[:16], as_of=as_of, periods_due=len(due), started_at=clock.now()
        )
        batches = [
            BillingRunBatch(run_id=run.id, number=n, accounts=keys[i : i + size])
            for n, i in enumerate(range(0, len(keys), size), 1)
        ]
        if batches:
            await BillingRunBatch.bulk_create(batches)
    if not batches:
        await _finish_run(run.id, actor_id=actor.user_id)
        run = await BillingRun.get(id=run.id)
    return run, await BillingRunBatch.filter(run_id=run.id).order_by("number")


async def run_batch(
    rt: Runtime,
    run_id: int,
    number: int,
    *,
    progress: RunProgress | None = None,
    actor_id: int | None = None,
) -> BillingRunBatch | None:
    """Close every due period of one batch's accounts. Idempotent: a batch run again
    (a worker killed mid-way, a re-enqueued job) closes only what is still due and
    recomputes its own totals from the invoices its run made, so nothing counts twice."""
    run = await BillingRun.get_or_none(id=run_id)
    batch = await BillingRunBatch.get_or_none(run_id=run_id, number=number)
    if run is None or batch is None or batch.done or run.status != BillingRunStatus.RUNNING:
        return batch
    await BillingRunBatch.filter(id=batch.id).update(attempts=F("attempts") + 1)
    due = await due_periods(run.as_of, batch.accounts)
    cal = await settlement_calendar()
    failures: list[dict[str, Any]] = []
    skipped = 0
    for i, period in enumerate(due, 1):
        try:
            invoice = await close_period(rt, period, run_id=run.id, cal=cal)
        except Exception as error:  # one company's bad data must not stop the others
            logger.exception("closing %s failed", period)
            failures.append(_failure(period, error))
        else:
            skipped += invoice is None
        if progress is not None:
            await progress.advance(1)
        if i % 50 == 0:  # staff watch a long batch move
            await BillingRunBatch.filter(id=batch.id).update(periods_done=i)
            await _refresh_run(run_id, actor_id=actor_id)
    made = (
        await Invoice.filter(run_id=run.id, account_key__in=batch.accounts)
        .annotate(n=Count("id"), amount=Sum("total"))
        .values("n", "amount")
    )
    invoices, amount = (made[0]["n"] or 0, made[0]["amount"] or 0) if made else (0, 0)
    await BillingRunBatch.filter(id=batch.id).update(
        done=True,
        periods_done=invoices + skipped + len(failures),
        invoices_made=invoices,
        amount_total=amount,
        skipped=skipped,
        failures=failures,
    )
    await _refresh_run(run_id, actor_id=actor_id)
    return await BillingRunBatch.get(id=batch.id)


def _failure(period: DuePeriod, error: Exception) -> dict[str, Any]:
    if isinstance(error, DomainError):
        code, reason = error.problems[0].code, str(error.problems[0].params or "")
    else:
        code, reason = "INTERNAL_ERROR", f"{type(error).__name__}: {error}"
    return {
        "account": period.account_key,
        "companyId": period.company_id,
        "term": period.term.name,
        "closingDate": period.closing_date.isoformat(),
        "code": code,
        "reason": reason[:500],
    }


async def _refresh_run(run_id: int, *, actor_id: int | None = None) -> None:
    """The run's figures are the sum of its batches; the last batch completes it."""
    totals = (
        await BillingRunBatch.filter(run_id=run_id)
        .annotate(done=Sum("periods_done"), made=Sum("invoices_made"), amount=Sum("amount_total"))
        .values("done", "made", "amount")
    )
    row = totals[0] if totals else {}
    await BillingRun.filter(id=run_id, status=BillingRunStatus.RUNNING).update(
        periods_done=row.get("done") or 0,
        invoices_made=row.get("made") or 0,
        amount_total=row.get("amount") or 0,
    )
    if not await BillingRunBatch.filter(run_id=run_id, done=False).exists():
        await _finish_run(run_id, actor_id=actor_id)


async def _finish_run(run_id: int, *, actor_id: int | None) -> None:
    run = await BillingRun.get(id=run_id)
    if run.status != BillingRunStatus.RUNNING:
        return
    failures = [
        f
        for fs in await BillingRunBatch.filter(run_id=run_id)
        .order_by("number")
        .values_list("failures", flat=True)
        for f in fs
    ]
    try:
        await BILLING_RUN_STATUS.transition(
            run,
            BillingRunStatus.COMPLETED,
            actor_id=actor_id,
            reason=run.trigger,
            failures=failures,
            finished_at=clock.now(),
        )
    except DomainError:
        pass  # another batch's worker completed it first


async def run_result(run_id: int) -> RunResult:
    run = await BillingRun.get(id=run_id)
    skipped = sum(await BillingRunBatch.filter(run_id=run_id).values_list("skipped", flat=True))
    return RunResult(
        run_id=run.id,
        periods_due=run.periods_due,
        periods_done=run.periods_done,
        invoices_made=run.invoices_made,
        amount_total=run.amount_total,
        skipped=skipped,
        failures=list(run.failures),
    )


async def close_due_periods(
    rt: Runtime,
    actor: Actor,
    *,
    as_of: date | None = None,
    trigger: str = "cron",
    progress: RunProgress | None = None,
    accounts: Sequence[str] | None = None,
) -> RunResult:
    """The closing run in this process: every period due before `as_of` (today), each
    exactly once, batch after batch (the worker spreads the same batches over its
    processes instead: workers/jobs/billing.py).

    Safe to run twice, concurrently or after a crash: each period is closed in its own
    transaction behind a unique run record, so a second run finds nothing to do.
    """
    run, batches = await start_run(actor, as_of=as_of, trigger=trigger, accounts=accounts)
    assert run is not None
    if progress is not None:
        await progress.set_total(run.periods_due)
    for batch in batches:
        await run_batch(rt, run.id, batch.number, progress=progress, actor_id=actor.user_id)
    return await run_result(run.id)


async def staff_close(
    rt: Runtime, actor: Actor, company_id: int | None, as_of: date | None = None
) -> BillingRun:
    """Staff: with a company, close its due periods now (after its data was fixed, the
    periods that failed are still due); without, open a run and queue its batches."""
    actor.require(StaffPermission.MANAGE_BILLING)
    if company_id is not None:
        from api.db import MAX_ROW_ID

        if not 0 < company_id <= MAX_ROW_ID or not await Company.filter(id=company_id).exists():
            raise DomainError.of("NOT_FOUND", "companyId")
        result = await close_due_periods(
            rt, actor, as_of=as_of, trigger="staff", accounts=[f"c{company_id}"]
        )
        return await BillingRun.get(id=result.run_id)
    run, batches = await start_run(actor, as_of=as_of, trigger="staff")
    assert run is not None
    for batch in batches:
        await rt.queue.enqueue(
            "billing_close_batch",
            run.id,
            batch.number,
            job_id=f"billing:{run.id}:{batch.number}",
        )
    return run


async def pending_batches(*, older_than: timedelta = timedelta(0)) -> list[tuple[int, int]]:
    """(run id, batch number) of running runs' unfinished batches: the worker's sweeper
    enqueues them again (arq drops a job id it already holds), so a batch whose job was
    lost with Redis still gets done."""
    running = await BillingRun.filter(status=BillingRunStatus.RUNNING).values_list("id", flat=True)
    if not running:
        return []
    rows = await BillingRunBatch.filter(
        run_id__in=list(running), done=False, updated_at__lte=clock.now() - older_than
    ).values_list("run_id", "number")
    return [(r, n) for r, n in rows]


async def run_in_progress() -> bool:
    return await BillingRun.filter(status=BillingRunStatus.RUNNING).exists()


async def abandon_stale_runs() -> int:
    """Runs left RUNNING by a process that died: marked ABANDONED. What they did not
    close is still due (the ledger drives the run), so the next run completes it."""
    stale = await BillingRun.filter(
        status=BillingRunStatus.RUNNING, started_at__lt=clock.now() - ABANDONED_AFTER
    )
    for run in stale:
        try:
            await BILLING_RUN_STATUS.transition(
                run,
                BillingRunStatus.ABANDONED,
                actor_id=None,
                reason="stale",
                finished_at=clock.now(),
            )
        except DomainError:
            continue
    return len(stale)


# ---- reactions to other domains' events (listed in api/subscriptions.py) ---------------


async def record_document_term(
    source_type: str, source_id: str, company_id: int | None, term: PaymentTerm | str | None
) -> PaymentTerm:
    """Remember the term a document was made under (the one in force now by default)."""
    try:
        chosen = PaymentTerm(term) if term else await term_for_document(company_id)
    except ValueError:
        chosen = await term_for_document(company_id)
    existing = await DocumentTerm.get_or_none(source_type=source_type, source_id=source_id)
    if existing is not None:
        return existing.term
    try:
        async with unit_of_work():
            await DocumentTerm.create(
                source_type=source_type, source_id=source_id, company_id=company_id, term=chosen
            )
    except IntegrityError:
        return (await DocumentTerm.get(source_type=source_type, source_id=source_id)).term
    return chosen


async def document_term(source_type: str, source_id: str, company_id: int | None) -> PaymentTerm:
    row = await DocumentTerm.get_or_none(source_type=source_type, source_id=source_id)
    if row is not None:
        return row.term
    # A document from before billing listened: the term in force now is the best known.
    return await term_for_document(company_id)


# Orders paid with these methods are billed by the closing run (NP 掛け払い); the
# others (card, bank transfer, konbini) are paid one by one at checkout.
BILLED_PAYMENT_METHODS = frozenset({"np_deferred"})


async def on_order_placed(event: OrderPlaced) -> None:
    """An order is made: it keeps the company's term in force now (the mid-period rule)."""
    await record_document_term("order", str(event.order_id), event.company_id, None)


async def on_order_accepted(event: OrderAccepted) -> None:
    # The order may name its term itself; the first record wins.
    await record_document_term(
        "order", str(event.order_id), event.company_id, event.payment_terms or None
    )


async def on_order_shipped(event: OrderShipped) -> None:
    """Shipped goods of a deferred-payment order are a charge dated the shipment day."""
    if event.payment_method not in BILLED_PAYMENT_METHODS:
        return
    if event.company_id is None and event.user_id is None:
        return  # a guest's NP order is billed by NP per order, not by our closing run
    term = await document_term("order", str(event.order_id), event.company_id)
    lines = [
        ChargeLine(
            description=f"{event.number} #{line.order_line_id}",
            quantity=line.quantity,
            unit_price=line.amount // line.quantity if line.quantity else 0,
            tax_category=line.tax_category,
            rate_percent=line.tax_rate_percent,
            code=str(line.product_id),
        )
        if line.quantity and line.amount % line.quantity == 0
        else ChargeLine(
            description=f"{event.number} #{line.order_line_id} ×{line.quantity}",
            quantity=1,
            unit_price=line.amount,
            tax_category=line.tax_category,
            rate_percent=line.tax_rate_percent,
            code=str(line.product_id),
        )
        for line in event.lines
    ]
    if not lines:
        return
    await record_charge(
        company_id=event.company_id,
        user_id=event.user_id,
        term=term,
        base_date=event.shipped_on,
        source_type="order_shipment",
        source_id=f"{event.order_id}:{event.shipment_id}",
        lines=lines,
        description=f"ご注文 {event.number}",
    )


async def on_order_cancelled(event: OrderCancelled) -> None:
    """A cancelled order's charged goods are credited in the next open period."""
    charged = await Charge.filter(
        source_type="order_shipment",
        source_id__startswith=f"{event.order_id}:",
        kind=ChargeKind.DEBIT,
    ).order_by("id")
    if not charged:
        return
    lines = [
        ChargeLine(
            description=line["description"],
            quantity=line["quantity"],
            unit_price=abs(line["unit_price"]),
            tax_category=line["tax_category"],
            rate_percent=line["rate_percent"],
            code=line["code"],
        )
        for c in charged
        for line in c.lines
    ]
    first = charged[0]
    await record_charge(
        company_id=first.company_id,
        user_id=first.user_id,
        term=first.term,
        base_date=event.cancelled_on,
        source_type="order_cancellation",
        source_id=str(event.order_id),
        lines=lines,
        kind=ChargeKind.CREDIT,
        description=f"ご注文 {event.number} 取消",
    )
