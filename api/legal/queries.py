"""Reads of legal documents: every version is public (consents point at old ones too)."""

from __future__ import annotations

from api.db import rows_by_keys
from api.legal.models import LegalDocument


async def documents_by_keys(keys: list[str]) -> list[LegalDocument | None]:
    return await rows_by_keys(LegalDocument, keys, {})
