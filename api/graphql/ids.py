"""Opaque global IDs: base64("TypeName:key"), the Relay convention."""

from __future__ import annotations

from strawberry import relay

from api.errors import DomainError
from api.keys import is_ascii_digits, row_key


def to_global_id(type_name: str, key: object) -> str:
    return str(relay.GlobalID(type_name, str(key)))


def from_global_id(value: str, expected_type: str, field: str = "id") -> str:
    """The database key inside `value`; NOT_FOUND when it names another type."""
    try:
        gid = relay.GlobalID.from_id(value)
    except Exception:  # any malformed value is the client's mistake, not ours
        raise DomainError.of("INVALID_ID", field) from None
    if gid.type_name != expected_type:
        raise DomainError.of("NOT_FOUND", field)
    return gid.node_id


def int_id(value: str, expected_type: str, field: str = "id") -> int:
    """The integer key inside `value` (api/keys.py): INVALID_ID when it is not ASCII
    digits (full-width ones included), NOT_FOUND when no row can have it (0, a leading
    zero, beyond the column's range)."""
    key = from_global_id(value, expected_type, field)
    if not is_ascii_digits(key):
        raise DomainError.of("INVALID_ID", field)
    found = row_key(key)
    if found is None:
        raise DomainError.of("NOT_FOUND", field)
    return found
