"""The outbox's statuses, importable by the schema without the models."""

from __future__ import annotations

from enum import StrEnum


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting to be (re)sent
    SENDING = "sending"  # claimed by a worker; reclaimed by the sweeper if it stays here
    SENT = "sent"  # terminal: never sent again
    FAILED = "failed"  # gave up after the last attempt; staff may re-send
