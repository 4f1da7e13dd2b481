"""The one way a database key is read from text (global IDs, links, role keys).

Only ASCII digits in canonical form (no sign, no leading zero) within the range of
the integer primary-key columns (PostgreSQL `integer`) name a row: full-width
digits (`User:１`), `+1`, `01`, `1e3` and keys beyond the column's range name
none, so they are "not found", never a database error or another row.
"""

from __future__ import annotations

MAX_ROW_ID = 2**31 - 1  # integer primary keys (PostgreSQL `integer`)


def is_ascii_digits(key: str) -> bool:
    return key.isascii() and key.isdigit()


def row_key(key: str) -> int | None:
    """A primary key from text: canonical ASCII digits within the column's range, else None."""
    if not is_ascii_digits(key) or len(key) > 10 or (len(key) > 1 and key[0] == "0"):
        return None
    value = int(key)
    return value if 0 < value <= MAX_ROW_ID else None


def row_keys(keys: list[str]) -> list[int | None]:
    return [row_key(k) for k in keys]
