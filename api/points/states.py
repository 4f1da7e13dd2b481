"""Kinds of points ledger entries."""

from __future__ import annotations

from enum import StrEnum


class EntryKind(StrEnum):
    EARNED = "earned"  # 進呈: a member order's points (+)
    USED = "used"  # 使用: points paying part of an order (−)
    EXPIRED = "expired"  # 失効: the whole balance, 180 days after the last purchase (−)
    ADJUSTED = "adjusted"  # 調整: staff correction (±)
    REVERSED = "reversed"  # 取消: an earn or use of a cancelled order undone (∓)
