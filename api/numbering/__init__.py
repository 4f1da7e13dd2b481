"""Document numbers: a store-configurable pattern and a race-free sequence.

Quotes, orders, invoices, delivery notes and receipts all take their number
here, in the transaction that creates the document:

    async with unit_of_work():
        number = await next_number(rt.policy, "quote", clock.business_today())
        await Quote.create(number=number, ...)

A pattern is text with placeholders (`EC{yyyymmdd}Q{seq:04}` → `EC20261203Q0001`):
`{yyyy}`, `{yy}`, `{mm}`, `{dd}`, `{yyyymm}`, `{yyyymmdd}` for the business date
(Asia/Tokyo) and exactly one `{seq}` with an optional zero-padding width
(`{seq:04}`); anything else is literal. The store profile names one pattern per
series (`[numbering]` in api/stores/profiles/*.toml).

The counter row is advanced with one `INSERT … ON CONFLICT … DO UPDATE …
RETURNING` on the caller's connection: on PostgreSQL the row stays locked until
the caller commits, so concurrent documents get consecutive numbers and a
rolled-back document gives its number back (no gaps, no duplicates); SQLite
serialises writers anyway.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

from tortoise import connections

if TYPE_CHECKING:
    from api.stores.policy import Policy

__all__ = ["NumberPattern", "next_number", "parse_pattern"]

DATE_FIELDS = {
    "yyyy": "%Y",
    "yy": "%y",
    "mm": "%m",
    "dd": "%d",
    "yyyymm": "%Y%m",
    "yyyymmdd": "%Y%m%d",
}
SEQ_SPEC = re.compile(r"^(0?)([1-9])?$")
LITERAL = re.compile(r"^[A-Za-z0-9_\-/.#]*$")
MAX_LENGTH = 40  # the documents' number columns are 64; a rendered number stays well below


@dataclass(frozen=True)
class NumberPattern:
    """A validated pattern; `render(business_date, seq)` gives the number."""

    text: str
    parts: tuple[tuple[str, str, str], ...]  # (literal, field or "", format spec)

    def period(self, business_date: date) -> str:
        """The counter's key: the pattern rendered with `#` where the sequence goes."""
        return self._render(business_date, None)

    def render(self, business_date: date, seq: int) -> str:
        return self._render(business_date, seq)

    def _render(self, business_date: date, seq: int | None) -> str:
        out: list[str] = []
        for literal, field, spec in self.parts:
            out.append(literal)
            if field == "seq":
                if seq is None:
                    out.append("#")
                else:
                    out.append(format(seq, spec) if spec else str(seq))
            elif field:
                out.append(business_date.strftime(DATE_FIELDS[field]))
        return "".join(out)


@lru_cache(maxsize=64)
def parse_pattern(text: str) -> NumberPattern:
    """Check a pattern from a store profile; ValueError says what is wrong."""
    if not text or len(text) > MAX_LENGTH:
        raise ValueError(f"a number pattern has 1 to {MAX_LENGTH} characters: {text!r}")
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as e:
        raise ValueError(f"number pattern {text!r}: {e}") from None
    parts: list[tuple[str, str, str]] = []
    seqs = 0
    for literal, field, spec, conversion in parsed:
        if not LITERAL.match(literal):
            raise ValueError(
                f"number pattern {text!r}: literal text may use A-Z a-z 0-9 _ - / . # only"
            )
        if field is None:
            parts.append((literal, "", ""))
            continue
        if conversion:
            raise ValueError(f"number pattern {text!r}: no conversions (!r, !s)")
        if field == "seq":
            seqs += 1
            match = SEQ_SPEC.match(spec or "")
            if not match or (match.group(1) and not match.group(2)):
                raise ValueError(f"number pattern {text!r}: {{seq}} takes a width like 04 only")
            parts.append((literal, "seq", f"0{match.group(2)}d" if match.group(2) else ""))
        elif field in DATE_FIELDS:
            if spec:
                raise ValueError(f"number pattern {text!r}: {{{field}}} takes no format")
            parts.append((literal, field, ""))
        else:
            known = ", ".join(sorted([*DATE_FIELDS, "seq"]))
            raise ValueError(f"number pattern {text!r}: unknown {{{field}}} (known: {known})")
    if seqs != 1:
        raise ValueError(f"number pattern {text!r}: needs exactly one {{seq}}")
    return NumberPattern(text, tuple(parts))


_UPSERT = {
    "postgres": (
        "INSERT INTO document_sequences (series, period, value, updated_at) "
        "VALUES ($1, $2, 1, CURRENT_TIMESTAMP) "
        "ON CONFLICT (series, period) DO UPDATE "
        "SET value = document_sequences.value + 1, updated_at = CURRENT_TIMESTAMP "
        "RETURNING value"
    ),
    "sqlite": (
        "INSERT INTO document_sequences (series, period, value, updated_at) "
        "VALUES (?, ?, 1, CURRENT_TIMESTAMP) "
        "ON CONFLICT (series, period) DO UPDATE "
        "SET value = document_sequences.value + 1, updated_at = CURRENT_TIMESTAMP "
        "RETURNING value"
    ),
}


async def next_sequence(series: str, period: str) -> int:
    """Advance one counter on the current connection (the caller's transaction) and
    return its new value."""
    from api.db import in_unit_of_work

    if not in_unit_of_work():
        # Outside a transaction the number would be spent even if the document fails.
        raise RuntimeError("next_number() must run inside unit_of_work()")
    conn = connections.get("default")
    rows = await conn.execute_query_dict(_UPSERT[conn.capabilities.dialect], [series, period])
    return int(rows[0]["value"])


async def next_number(policy: Policy, series: str, business_date: date) -> str:
    """The next number of `series` ("quote", "order", "invoice", …) for a document
    dated `business_date`, in the pattern the store profile sets for that series."""
    pattern = policy.numbering.pattern(series)
    seq = await next_sequence(series, pattern.period(business_date))
    return pattern.render(business_date, seq)
