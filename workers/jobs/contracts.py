"""The contracts date job: starts, ends and term roll-overs for every day up to today."""

from __future__ import annotations

import logging
from typing import Any

from api.contracts.service import run_contract_dates
from api.runtime import Runtime

log = logging.getLogger(__name__)


async def contract_dates(ctx: dict[str, Any]) -> dict[str, int]:
    rt: Runtime = ctx["rt"]
    result = await run_contract_dates(rt)
    if any(result.values()):
        log.info("contract dates", extra=result)
    return result
