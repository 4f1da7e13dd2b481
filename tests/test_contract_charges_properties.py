"""Property: for any sequence of changes and cancellations, the charges of each period are
what the versions say (exactly for a period without change, within the per-line rounding
of the prorations otherwise), quantities never go below the minimum, versions never overlap."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from types import SimpleNamespace

from hypothesis import given, settings
from hypothesis import strategies as st

from api.catalog.models import SubscriptionPlan
from api.contracts.charges import periods, plan_charges

MIN_SEATS = 10


@st.composite
def histories(draw):
    plan = draw(st.sampled_from([SubscriptionPlan.MONTHLY, SubscriptionPlan.ANNUAL]))
    start = date(2027, 1, 1) + timedelta(days=draw(st.integers(0, 400)))
    steps = draw(
        st.lists(
            st.tuples(
                st.integers(1, 120),  # days after the previous change
                st.integers(MIN_SEATS, 40),  # seats (a change never goes below the minimum)
                st.integers(0, 5),  # option quantity (0: removed)
            ),
            max_size=6,
        )
    )
    cancel_after = draw(st.one_of(st.none(), st.integers(1, 200)))
    return plan, start, steps, cancel_after


def build(plan, start, steps, cancel_after):
    versions, lines_of = [], {}
    day, seats, option = start, 12, 1
    for number, (gap, new_seats, new_option) in enumerate([(0, seats, option), *steps], 1):
        day = day + timedelta(days=gap)
        if versions:
            versions[-1].effective_until = day
        v = SimpleNamespace(id=number, number=number, effective_from=day, effective_until=None)
        versions.append(v)
        lines_of[v.id] = [
            SimpleNamespace(code="main", name="Main", unit_price=2700, quantity=new_seats,
                            tax_category="standard"),
            *([SimpleNamespace(code="opt", name="Opt", unit_price=1000, quantity=new_option,
                               tax_category="standard")] if new_option else []),
        ]  # fmt: skip
    end = None
    if cancel_after is not None:
        end = versions[-1].effective_from + timedelta(days=cancel_after)
    contract = SimpleNamespace(
        id=1, plan=plan, start_date=start, term_months=12 if plan == "annual" else 1,
        end_date=end,
    )  # fmt: skip
    return contract, versions, lines_of


@settings(max_examples=300, deadline=None)
@given(histories())
def test_charges_of_each_period_equal_the_versions(history):
    contract, versions, lines_of = build(*history)
    # Versions never overlap and leave no gap; quantities never below the minimum.
    for a, b in zip(versions, versions[1:], strict=False):
        assert a.effective_until == b.effective_from and a.effective_from <= b.effective_from
    for lines in lines_of.values():
        assert next(ln for ln in lines if ln.code == "main").quantity >= MIN_SEATS
    until = (contract.end_date or versions[-1].effective_from) + timedelta(days=400)
    charges = plan_charges(contract, versions, lines_of, until)
    keys = [(c.source_type, c.source_id) for c in charges]
    assert len(keys) == len(set(keys))  # one business key, one charge

    def in_effect(day):
        for v in versions:
            if v.effective_from <= day and (v.effective_until is None or v.effective_until > day):
                return v
        return None

    for period in periods(contract.plan, contract.start_date, contract.term_months, until):
        if contract.end_date is not None and period.service_first > contract.end_date:
            break
        billed = sum(c.amount for c in charges if period.first <= c.base_date <= period.last)
        exact = Fraction(0)
        day = period.service_first
        last = min(period.last, contract.end_date or period.last)
        changes = 0
        while day <= last:
            v = in_effect(day)
            exact += Fraction(sum(ln.unit_price * ln.quantity for ln in lines_of[v.id]),
                              period.days)  # fmt: skip
            day += timedelta(days=1)
        changes = sum(1 for v in versions if period.service_first < v.effective_from <= last)
        partial = period.service_first != period.first
        ended = contract.end_date is not None and contract.end_date < period.last
        if not changes and not partial and not ended:
            assert billed == exact, (period, billed, exact)
        else:
            # Each prorated line rounds toward zero once: at most a yen per line and step.
            steps = 2 * changes + int(partial) + int(ended)
            assert abs(billed - exact) <= 2 * steps + 2, (period, billed, float(exact))
