"""Opaque global IDs: base64("TypeName:key"), the Relay convention."""

from __future__ import annotations

from strawberry import relay

from api.errors import DomainError


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
    key = from_global_id(value, expected_type, field)
    if not key.isdigit():
        raise DomainError.of("INVALID_ID", field)
    return int(key)
