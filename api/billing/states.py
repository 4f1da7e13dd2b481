"""The billing domain's choices and status machines: every state listed, one table each."""

from __future__ import annotations

from enum import StrEnum


class PaymentTerm(StrEnum):
    """The three payment terms of NP 掛け払い (seed 000 §7); rules in api.billing.terms."""

    MONTH_END_NEXT_MONTH_END = "month_end_next_month_end"  # 月末締め/翌月末払い
    DAY20_NEXT_MONTH_END = "day20_next_month_end"  # 20日締め/翌月末払い
    MONTH_END_MONTH_AFTER_NEXT_END = "month_end_month_after_next_end"  # 月末締め/翌々月末払い


class DueDateShift(StrEnum):
    """Where a due date that is not a business day moves to (a store setting)."""

    PREVIOUS = "previous"  # the last business day before it (前営業日)
    NEXT = "next"  # the first business day after it (翌営業日)
