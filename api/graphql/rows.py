"""Building Strawberry types from ORM rows without copying fields one by one.

`FromRow.from_row(row, **overrides)` fills every dataclass field of the type
(`strawberry.Private` ones included) from the row attribute of the same name,
or from a dict row's key; overrides name the fields that are computed. The
field list is read once per class.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any, Self


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.init)


class FromRow:
    @classmethod
    def from_row(cls, row: Any, **overrides: Any) -> Self:
        if isinstance(row, dict):
            values = {n: overrides[n] if n in overrides else row[n] for n in _field_names(cls)}
        else:
            values = {
                n: overrides[n] if n in overrides else getattr(row, n) for n in _field_names(cls)
            }
        return cls(**values)
