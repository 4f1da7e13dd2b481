"""Reads of the company domain, scoped by the Actor: companies, custom roles, the address book.

A member sees their own company, its roles and its (or, for an individual, their own)
address book; staff see every company. Anything outside the scope reads as missing,
so the schema answers "not found", never "forbidden", for another company's rows.
"""

from __future__ import annotations

from typing import Any

from api.actor import Actor
from api.companies.models import Address, Company, CompanyRole
from api.db import row_key, rows_by_keys


def company_scope(actor: Actor) -> dict[str, Any] | None:
    if actor.is_staff:
        return {}
    if actor.company_id is None:
        return None
    return {"id": actor.company_id}


async def companies_by_keys(actor: Actor, keys: list[str]) -> list[Company | None]:
    return await rows_by_keys(Company, keys, company_scope(actor))


def custom_role_id(key: str) -> int | None:
    """A custom role's primary key from the text inside its global ID ('12')."""
    return row_key(key)


async def custom_role(actor: Actor, key: str) -> CompanyRole | None:
    """A company's own role by the text inside its global ID (None: not visible)."""
    role_id = row_key(key)
    if role_id is None or actor.user is None:
        return None
    role = await CompanyRole.get_or_none(id=role_id)
    if role is None or not (actor.is_staff or role.company_id == actor.company_id):
        return None
    return role


def address_scope(actor: Actor) -> dict[str, Any] | None:
    """A company's book is shared by its members; an individual has their own."""
    if actor.user is None or not actor.is_member:
        return None
    if actor.company_id is not None:
        return {"company_id": actor.company_id}
    return {"user_id": actor.user_id}


def address_book(actor: Actor) -> Any:
    """The caller's address book, the default first."""
    scope = address_scope(actor)
    if scope is None:
        return Address.filter(id__in=[])
    return Address.filter(**scope).order_by("-is_default", "id")


async def addresses_by_keys(actor: Actor, keys: list[str]) -> list[Address | None]:
    return await rows_by_keys(Address, keys, address_scope(actor))
