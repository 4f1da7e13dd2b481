"""What each contract bills per period, handed to billing as charges (`record_charge`).

A contract's billing periods are calendar months for monthly plans (the first one
from the start date, prorated by day of that month) and its terms for annual plans
(contract years from the start date). Every charge is a function of the versions:

- `contract_period <id>:<first day>`: the version in effect on the period's first day
  of service, plan price × quantity per line (prorated by day for a partial first month);
- `contract_version <id>:v<n>:debit|credit`: a version that begins inside a period it
  did not open: the difference of each line's amount from the version before,
  prorated by day for the rest of that period (more seats now: a debit; fewer: a credit);
- `contract_end <id>`: an end inside a period (a store that ends annual plans at the end
  of a month): the unused days of the last version, credited.

Each charge has a business key (source type + id), so billing the same period twice,
or from the job and a completed change at once, records it once. Prorations are
rounded toward zero in yen (`prorate`). The service period is in each line's
description ("2027-01-01〜2027-01-31"); the base date is the first day it covers.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from api import clock
from api.billing.service import ChargeLine, record_charge, term_for_document
from api.billing.states import ChargeKind, PaymentTerm
from api.catalog.models import SubscriptionPlan
from api.contracts import dates
from api.contracts.models import Contract, ContractLine, ContractVersion
from api.contracts.states import ContractStatus
from api.runtime import Runtime


@dataclass(frozen=True)
class Period:
    first: date  # the period's first day (calendar month or term)
    last: date
    service_first: date  # the first day the contract serves in it (the start date, or first)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def periods(plan: SubscriptionPlan, start: date, term_months: int, until: date) -> list[Period]:
    """Every billing period whose service begins on or before `until`."""
    found: list[Period] = []
    if plan == SubscriptionPlan.MONTHLY:
        first = start.replace(day=1)
        while max(first, start) <= until:
            last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
            found.append(Period(first, last, max(first, start)))
            first = last + timedelta(days=1)
        return found
    first = start
    while first <= until:
        last = dates.add_months(first, term_months) - timedelta(days=1)
        found.append(Period(first, last, first))
        first = last + timedelta(days=1)
    return found


def prorate(amount: int, days: int, of_days: int) -> int:
    """amount × days / of_days in yen, rounded toward zero (never more than the full)."""
    share = abs(amount) * days // of_days
    return share if amount >= 0 else -share


def amounts(lines: list[Any]) -> dict[str, tuple[int, Any]]:
    return {line.code: (line.unit_price * line.quantity, line) for line in lines}


def _in_effect(versions: list[ContractVersion], day: date) -> ContractVersion | None:
    for v in versions:
        if v.effective_from <= day and (v.effective_until is None or v.effective_until > day):
            return v
    return None


def _span(first: date, last: date) -> str:
    return f"{first.isoformat()}〜{last.isoformat()}"


@dataclass(frozen=True)
class PlannedCharge:
    """A charge as the versions say it, before it is recorded."""

    source_type: str
    source_id: str
    base_date: date
    kind: ChargeKind
    lines: tuple[ChargeLine, ...]

    @property
    def amount(self) -> int:
        sign = -1 if self.kind == ChargeKind.CREDIT else 1
        return sign * sum(line.quantity * line.unit_price for line in self.lines)


def plan_charges(
    contract: Contract,
    versions: list[ContractVersion],
    lines_of: dict[int, list[ContractLine]],
    until: date,
    since: date | None = None,
) -> list[PlannedCharge]:
    """Every charge of the periods whose service began by `until` (and ends on or after
    `since`), from the versions alone. No database access: the property tests use it."""
    planned: list[PlannedCharge] = []
    end = contract.end_date
    for period in periods(contract.plan, contract.start_date, contract.term_months, until):
        if since is not None and period.last < since:
            continue
        if end is not None and period.service_first > end:
            break
        base = _in_effect(versions, period.service_first)
        if base is None:
            continue
        served = (period.last - period.service_first).days + 1
        partial = served != period.days
        lines = []
        for line in lines_of.get(base.id, []):
            full = line.unit_price * line.quantity
            label = f"{line.name} ({_span(period.service_first, period.last)})"
            if partial:
                share = prorate(full, served, period.days)
                if share:
                    lines.append(_line(line, label + " 日割", 1, share))
            elif full:
                lines.append(_line(line, label, line.quantity, line.unit_price))
        if lines:
            planned.append(
                PlannedCharge(
                    "contract_period",
                    f"{contract.id}:{period.service_first.isoformat()}",
                    period.service_first,
                    ChargeKind.DEBIT,
                    tuple(lines),
                )
            )
        # Versions that begin inside the period: the difference for the rest of it.
        previous = base
        for v in versions:
            if not (period.service_first < v.effective_from <= period.last):
                continue
            if end is not None and v.effective_from > end:
                continue
            rest = (period.last - v.effective_from).days + 1
            old = amounts(lines_of.get(previous.id, []))
            new = amounts(lines_of.get(v.id, []))
            debits, credits = [], []
            for code in [*old, *(c for c in new if c not in old)]:
                delta = new.get(code, (0, None))[0] - old.get(code, (0, None))[0]
                share = prorate(delta, rest, period.days)
                if not share:
                    continue
                line = (new.get(code) or old[code])[1]
                label = f"{line.name} 変更差額 ({_span(v.effective_from, period.last)})"
                (debits if share > 0 else credits).append(_line(line, label, 1, abs(share)))
            for kind, chosen in ((ChargeKind.DEBIT, debits), (ChargeKind.CREDIT, credits)):
                if chosen:
                    planned.append(
                        PlannedCharge(
                            "contract_version",
                            f"{contract.id}:v{v.number}:{kind.value}",
                            v.effective_from,
                            kind,
                            tuple(chosen),
                        )
                    )
            previous = v
        # An end inside the period: the unused days are credited.
        if end is not None and period.service_first <= end < period.last:
            last = _in_effect(versions, end)
            unused = (period.last - end).days
            credit = []
            for line in lines_of.get(last.id, []) if last else []:
                share = prorate(line.unit_price * line.quantity, unused, period.days)
                if share:
                    label = f"{line.name} 解約返金 ({_span(end + timedelta(days=1), period.last)})"
                    credit.append(_line(line, label, 1, share))
            if credit:
                planned.append(
                    PlannedCharge(
                        "contract_end", str(contract.id), end, ChargeKind.CREDIT, tuple(credit)
                    )
                )
    return planned


def _line(line: Any, description: str, quantity: int, unit_price: int) -> ChargeLine:
    return ChargeLine(
        description=description,
        quantity=quantity,
        unit_price=unit_price,
        tax_category=line.tax_category,
        code=line.code,
    )


async def _term(contract: Contract) -> PaymentTerm:
    try:
        return PaymentTerm((contract.payment_terms or {}).get("term") or "")
    except ValueError:
        return await term_for_document(contract.company_id)


async def bill_contract(rt: Runtime, contract: Contract, today: date | None = None) -> int:
    """Record the charges of every period begun by today that are not recorded yet.

    Joins the caller's unit of work (a completed change bills the period it lands in
    before and after the new version). Returns how many charges were planned.
    """
    today = today or clock.business_today()
    if contract.status not in (ContractStatus.ACTIVE, ContractStatus.ENDED):
        return 0
    versions = list(await ContractVersion.filter(contract_id=contract.id).order_by("number"))
    lines_of: dict[int, list[ContractLine]] = {}
    for line in await ContractLine.filter(version_id__in=[v.id for v in versions]).order_by(
        "position", "id"
    ):
        lines_of.setdefault(line.version_id, []).append(line)  # type: ignore[attr-defined]
    since = contract.billed_through
    planned = plan_charges(contract, versions, lines_of, today, since)
    term = await _term(contract)
    for charge in planned:
        await record_charge(
            company_id=contract.company_id,
            term=term,
            base_date=charge.base_date,
            source_type=charge.source_type,
            source_id=charge.source_id,
            lines=list(charge.lines),
            kind=charge.kind,
            description=f"契約 {contract.number}",
        )
    # Periods that ended before today are complete: later runs start at the current one.
    done = [p for p in periods(contract.plan, contract.start_date, contract.term_months, today)]
    current = next((p.first for p in reversed(done) if p.first <= today), None)
    if current is not None and current != contract.billed_through:
        await Contract.filter(id=contract.id).update(billed_through=current)
        contract.billed_through = current
    return len(planned)


async def bill_due_contracts(rt: Runtime, today: date | None = None) -> int:
    """The daily job's billing pass: every running contract, and those ended lately."""
    today = today or clock.business_today()
    recent = today - timedelta(days=400)
    count = 0
    for contract in await Contract.filter(
        status__in=[ContractStatus.ACTIVE, ContractStatus.ENDED], start_date__lte=today
    ).order_by("id"):
        if contract.status == ContractStatus.ENDED and (
            contract.end_date is None or contract.end_date < recent
        ):
            continue
        count += await bill_contract(rt, contract, today)
    return count
