"""Reads of the contracts domain, scoped by the actor. No GraphQL here.

Staff with `manage_contracts` see every contract; members with `view_contracts`
see their own company's; everyone else none. The list, the detail and
`node(id:)` share `visible_scope`, so another company's contract is simply not
found, never "forbidden" (which would confirm that it exists).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from api.actor import Actor
from api.audit.models import StatusTransition
from api.companies.permissions import MemberPermission, StaffPermission
from api.contracts.models import Contract, ContractLine, ContractVersion
from api.contracts.states import ContractStatus
from api.db import MAX_ROW_ID, rows_by_keys
from api.errors import DomainError


def visible_scope(actor: Actor) -> dict[str, Any] | None:
    if actor.is_staff:
        return {} if actor.can(StaffPermission.MANAGE_CONTRACTS) else None
    if actor.company_id is not None and actor.can(MemberPermission.VIEW_CONTRACTS):
        return {"company_id": actor.company_id}
    return None


def require_view(actor: Actor) -> dict[str, Any]:
    if not actor.is_authenticated and not actor.system:
        raise DomainError.of("UNAUTHENTICATED")
    scope = visible_scope(actor)
    if scope is None:
        raise DomainError.of("FORBIDDEN")
    return scope


def contracts(
    actor: Actor,
    *,
    status: ContractStatus | None = None,
    company_id: int | None = None,
) -> Any:
    """Newest first. `company_id` narrows staff lists; a member naming another company's
    is NOT_FOUND (their list is their company's anyway)."""
    scope = require_view(actor)
    qs = Contract.filter(**scope)
    if status:
        qs = qs.filter(status=status)
    if company_id is not None:
        if not 0 < company_id <= MAX_ROW_ID or (
            not actor.is_staff and company_id != actor.company_id
        ):
            raise DomainError.of("NOT_FOUND", "filter.companyId")
        qs = qs.filter(company_id=company_id)
    return qs.order_by("-created_at", "-id")


async def contract(actor: Actor, contract_id: int) -> Contract:
    scope = require_view(actor)
    if not 0 < contract_id <= MAX_ROW_ID:
        raise DomainError.of("NOT_FOUND", "contractId")
    found = await Contract.get_or_none(id=contract_id, **scope)
    if found is None:
        raise DomainError.of("NOT_FOUND", "contractId")
    return found


async def contracts_by_keys(actor: Actor, keys: list[str]) -> list[Contract | None]:
    return await rows_by_keys(Contract, keys, visible_scope(actor))


async def versions_of(contract_ids: list[int]) -> dict[int, list[ContractVersion]]:
    """Every version of each contract, oldest first (one query)."""
    found: dict[int, list[ContractVersion]] = defaultdict(list)
    for v in await ContractVersion.filter(contract_id__in=contract_ids).order_by("number"):
        found[v.contract_id].append(v)  # type: ignore[attr-defined]
    return found


async def lines_of(version_ids: list[int]) -> dict[int, list[ContractLine]]:
    found: dict[int, list[ContractLine]] = defaultdict(list)
    for line in await ContractLine.filter(version_id__in=version_ids).order_by("position", "id"):
        found[line.version_id].append(line)  # type: ignore[attr-defined]
    return found


async def current_versions(contract_ids: list[int], today: date) -> dict[int, ContractVersion]:
    """The version in effect today, or the first one of a contract that has not started
    (one query): what the contract detail shows as its lines."""
    chosen: dict[int, ContractVersion] = {}
    for cid, versions in (await versions_of(contract_ids)).items():
        current = [v for v in versions if v.effective_from <= today]
        chosen[cid] = current[-1] if current else versions[0]
    return chosen


async def status_history(contract_ids: list[int]) -> dict[int, list[StatusTransition]]:
    found: dict[int, list[StatusTransition]] = defaultdict(list)
    rows = await StatusTransition.filter(
        entity="contract", entity_id__in=[str(i) for i in contract_ids]
    ).order_by("at", "id")
    for row in rows:
        found[int(row.entity_id)].append(row)
    return found


# ---- applications (changes and cancellations) -------------------------------------------------


def applications(
    actor: Actor,
    *,
    status: Any = None,
    kind: Any = None,
    contract_id: int | None = None,
) -> Any:
    """Newest first: the member's company's, or all for staff."""
    from api.contracts.models import ContractApplication

    scope = require_view(actor)
    qs = ContractApplication.filter(**scope)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if contract_id is not None:
        if not 0 < contract_id <= MAX_ROW_ID:
            raise DomainError.of("NOT_FOUND", "filter.contractId")
        qs = qs.filter(contract_id=contract_id)
    return qs.order_by("-created_at", "-id")


async def applications_by_keys(actor: Actor, keys: list[str]) -> list[Any]:
    from api.contracts.models import ContractApplication

    return await rows_by_keys(ContractApplication, keys, visible_scope(actor))


async def contract_numbers(contract_ids: list[int]) -> dict[int, str]:
    return {c.id: c.number for c in await Contract.filter(id__in=contract_ids)}
