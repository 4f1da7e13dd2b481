"""The SANDBOX payment processor: a processor's test mode inside torihiki, never for real money.

It implements `PaymentProvider` with its own books (the `Sandbox*` tables, as a
real processor keeps its own) and talks back to torihiki only the way a real
one does: signed webhook calls to `/webhooks/payments/sandbox`, delivered by an
arq job after the change that caused them commits. Production refuses to start
with it (`Settings.check_production`).

Test data (docs/payments.md):

Card tokens (what the processor's browser script would hand the SPA):
  tok_sandbox_visa / _mastercard / _jcb / _amex   authorized (last four 4242 / 4444 / 0505 / 8431)
  tok_sandbox_declined                            declined: card_declined
  tok_sandbox_insufficient_funds                  declined: insufficient_funds
  tok_sandbox_expired_card                        declined: expired_card
  tok_sandbox_processing_error                    the processor fails (try again later)
  anything else                                   declined: invalid_token
Konbini: a slip is paid with `torihiki sandbox pay-konbini SLIP` or
  `POST /sandbox/konbini/SLIP/pay` (development only); unpaid past its deadline,
  the sandbox's cron job sends konbini.expired.
NP 掛け払い screening, decided at registration and sent as a webhook:
  amount over NP_CREDIT_LIMIT (¥500,000)              NG (np.rejected)
  company or customer name containing 保留 or HOLD    保留 (np.on_hold); settle it with
                                                      `torihiki sandbox np-result REF ok|ng`
  company or customer name containing 審査NG or REJECT NG
  otherwise                                           OK (np.approved)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from api import clock
from api.db import after_commit, unit_of_work
from api.payments.models import SandboxCard, SandboxTransaction
from api.payments.provider import (
    CardAuthorization,
    CardDeclined,
    KonbiniSlip,
    NpRegistration,
    ProviderError,
    StoredCard,
    WebhookEvent,
    WebhookRejected,
)

log = logging.getLogger(__name__)

NAME = "sandbox"
DELIVER_JOB = "deliver_sandbox_webhook"
SIGNATURE_HEADER = "x-sandbox-signature"
TIMESTAMP_HEADER = "x-sandbox-timestamp"
MAX_BODY = 64 * 1024

NP_CREDIT_LIMIT = 500_000
NP_HOLD_WORDS = ("保留", "HOLD")
NP_REJECT_WORDS = ("審査NG", "REJECT")

TEST_CARDS = {
    "tok_sandbox_visa": ("visa", "4242"),
    "tok_sandbox_mastercard": ("mastercard", "4444"),
    "tok_sandbox_jcb": ("jcb", "0505"),
    "tok_sandbox_amex": ("amex", "8431"),
}
DECLINING_TOKENS = {
    "tok_sandbox_declined": "card_declined",
    "tok_sandbox_insufficient_funds": "insufficient_funds",
    "tok_sandbox_expired_card": "expired_card",
}
FAILING_TOKEN = "tok_sandbox_processing_error"
DECLINE_MESSAGES = {
    "card_declined": "カードが承認されませんでした。",
    "insufficient_funds": "ご利用可能額を超えています。",
    "expired_card": "カードの有効期限が切れています。",
    "invalid_token": "カード情報を確認できませんでした。",
    "card_not_found": "登録済みのカードが見つかりません。",
}


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The sandbox's signature: HMAC-SHA256 of `<timestamp>.<body>`, hex, as `v1=<hex>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(clock.now().timestamp()) if timestamp is None else timestamp
    return {
        "content-type": "application/json",
        TIMESTAMP_HEADER: str(ts),
        SIGNATURE_HEADER: sign(secret, ts, body),
    }


def _new_ref(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper()


class SandboxProvider:
    """The sandbox processor, bound to a Runtime (its settings and job queue)."""

    name = NAME

    def __init__(self, rt: Any) -> None:
        self.rt = rt

    # ---- card ------------------------------------------------------------------------

    async def authorize_card(
        self,
        *,
        merchant_ref: str,
        amount: int,
        card_token: str | None,
        stored_card_id: str | None,
        customer_ref: str | None,
        save_card: bool,
    ) -> CardAuthorization:
        card_id: str | None = None
        if stored_card_id is not None:
            card = await SandboxCard.get_or_none(card_id=stored_card_id, customer_ref=customer_ref)
            if card is None or customer_ref is None:
                raise CardDeclined("card_not_found", DECLINE_MESSAGES["card_not_found"])
            brand, last4, card_id = card.brand, card.last4, card.card_id
        else:
            token = card_token or ""
            if token == FAILING_TOKEN:
                raise ProviderError("sandbox: simulated processing error")
            if token in DECLINING_TOKENS:
                code = DECLINING_TOKENS[token]
                raise CardDeclined(code, DECLINE_MESSAGES[code])
            if token not in TEST_CARDS:
                raise CardDeclined("invalid_token", DECLINE_MESSAGES["invalid_token"])
            brand, last4 = TEST_CARDS[token]
            if save_card and customer_ref:
                card = await SandboxCard.filter(
                    customer_ref=customer_ref, brand=brand, last4=last4
                ).first()
                if card is None:
                    today = clock.business_today()
                    card = await SandboxCard.create(
                        card_id=_new_ref("card")[:32],
                        customer_ref=customer_ref,
                        brand=brand,
                        last4=last4,
                        exp_month=12,
                        exp_year=today.year + 3,
                    )
                card_id = card.card_id
        txn = await SandboxTransaction.create(
            ref=_new_ref("ch"),
            kind="card",
            merchant_ref=merchant_ref,
            amount=amount,
            status="authorized",
            data={"brand": brand, "last4": last4},
        )
        return CardAuthorization(txn.ref, brand, last4, card_id)

    async def _txn(self, ref: str, kind: str) -> SandboxTransaction:
        txn = await SandboxTransaction.get_or_none(ref=ref, kind=kind)
        if txn is None:
            raise ProviderError(f"sandbox: no {kind} transaction {ref}")
        return txn

    async def _move(self, ref: str, kind: str, allowed: set[str], target: str) -> None:
        txn = await self._txn(ref, kind)
        if txn.status == target:
            return  # repeated call: processors answer idempotently for the same reference
        if txn.status not in allowed:
            raise ProviderError(f"sandbox: {kind} {ref} is {txn.status}, cannot become {target}")
        await SandboxTransaction.filter(id=txn.id, status=txn.status).update(status=target)

    async def capture_card(self, ref: str, amount: int) -> None:
        txn = await self._txn(ref, "card")
        if amount > txn.amount:
            raise ProviderError("sandbox: capture above the authorized amount")
        await self._move(ref, "card", {"authorized"}, "captured")

    async def void_card(self, ref: str) -> None:
        await self._move(ref, "card", {"authorized"}, "voided")

    async def refund_card(self, ref: str, amount: int) -> None:
        await self._move(ref, "card", {"captured"}, "refunded")

    async def list_cards(self, customer_ref: str) -> list[StoredCard]:
        rows = await SandboxCard.filter(customer_ref=customer_ref).order_by("id")
        return [StoredCard(c.card_id, c.brand, c.last4, c.exp_month, c.exp_year) for c in rows]

    async def delete_card(self, customer_ref: str, card_id: str) -> bool:
        return bool(await SandboxCard.filter(customer_ref=customer_ref, card_id=card_id).delete())

    # ---- konbini ---------------------------------------------------------------------

    async def issue_konbini_slip(
        self, *, merchant_ref: str, amount: int, deadline: date, customer_name: str, email: str
    ) -> KonbiniSlip:
        slip_number = "".join(secrets.choice("0123456789") for _ in range(12))
        txn = await SandboxTransaction.create(
            ref=_new_ref("kb"),
            kind="konbini",
            merchant_ref=merchant_ref,
            amount=amount,
            status="issued",
            slip_number=slip_number,
            deadline=deadline,
        )
        base = self.rt.settings.public_base_url.rstrip("/")
        return KonbiniSlip(txn.ref, slip_number, deadline, f"{base}/sandbox/konbini/{slip_number}")

    async def cancel_konbini_slip(self, ref: str) -> None:
        await self._move(ref, "konbini", {"issued"}, "cancelled")

    # ---- NP 掛け払い ------------------------------------------------------------------

    async def np_register(
        self, *, merchant_ref: str, amount: int, company_name: str, customer_name: str, email: str
    ) -> NpRegistration:
        txn = await SandboxTransaction.create(
            ref=_new_ref("np"),
            kind="np",
            merchant_ref=merchant_ref,
            amount=amount,
            status="screening",
            data={"company_name": company_name},
        )
        names = _folded(f"{company_name} {customer_name}")
        if amount > NP_CREDIT_LIMIT or any(_folded(w) in names for w in NP_REJECT_WORDS):
            await self._np_result(txn, "ng")
        elif any(_folded(w) in names for w in NP_HOLD_WORDS):
            await self._np_result(txn, "hold")
        else:
            await self._np_result(txn, "ok")
        return NpRegistration(txn.ref)

    async def _np_result(self, txn: SandboxTransaction, result: str) -> None:
        status, kind = {
            "ok": ("approved", "np.approved"),
            "ng": ("rejected", "np.rejected"),
            "hold": ("on_hold", "np.on_hold"),
        }[result]
        await SandboxTransaction.filter(id=txn.id).update(status=status)
        await emit(self.rt, txn, kind)

    async def np_request_billing(self, ref: str) -> None:
        await self._move(ref, "np", {"approved"}, "billed")

    async def np_cancel(self, ref: str) -> None:
        await self._move(ref, "np", {"screening", "on_hold", "approved", "billed"}, "cancelled")

    # ---- webhooks --------------------------------------------------------------------

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        return parse_signed(
            self.rt.settings.payment_webhook_secret,
            self.rt.settings.payment_webhook_tolerance_seconds,
            headers,
            body,
        )


def parse_signed(
    secret: str, tolerance: int, headers: Mapping[str, str], body: bytes
) -> list[WebhookEvent]:
    """Verify `X-Sandbox-Timestamp` and `X-Sandbox-Signature`, then parse the event."""
    if len(body) > MAX_BODY:
        raise WebhookRejected("too_large")
    stamp = headers.get(TIMESTAMP_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    if not (stamp.isascii() and stamp.isdigit() and 0 < len(stamp) <= 12) or not given:
        raise WebhookRejected("bad_signature")
    expected = sign(secret, int(stamp), body)
    if not hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace")):
        raise WebhookRejected("bad_signature")
    if abs(clock.now().timestamp() - int(stamp)) > tolerance:
        raise WebhookRejected("stale_timestamp")
    try:
        doc = json.loads(body)
        event = WebhookEvent(
            id=_text(doc["id"]),
            kind=_text(doc["type"]),
            ref=_text(doc["ref"]),
            occurred_at=datetime.fromisoformat(_text(doc["created"])).astimezone(UTC),
            sequence=_seq(doc.get("sequence", 0)),
            data=doc.get("data") if isinstance(doc.get("data"), dict) else {},
        )
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as e:
        raise WebhookRejected("malformed") from e
    return [event]


def _text(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 64 or not value.isprintable():
        raise ValueError("bad field")
    return value


def _seq(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**62:
        raise ValueError("bad sequence")
    return value


# ---- sending events (inside the unit of work that caused them) ---------------------------


async def emit(rt: Any, txn: SandboxTransaction, kind: str, **data: Any) -> dict[str, Any]:
    """Number the event per transaction and deliver it once the change commits."""
    await SandboxTransaction.filter(id=txn.id).update(sequence=txn.sequence + 1)
    txn.sequence += 1
    event = {
        "id": _new_ref("evt"),
        "type": kind,
        "ref": txn.ref,
        "created": clock.now().isoformat(),
        "sequence": txn.sequence,
        "data": {"amount": txn.amount, "merchant_ref": txn.merchant_ref, **data},
    }
    body = json.dumps(event, ensure_ascii=False, separators=(",", ":"))

    async def enqueue() -> None:
        try:
            await rt.queue.enqueue(DELIVER_JOB, body, job_id=f"sandbox:{event['id']}")
        except Exception:
            log.warning("sandbox webhook not queued", exc_info=True, extra={"event": event["id"]})

    after_commit(enqueue)
    return event


async def deliver(rt: Any, body: str) -> int:
    """Sign and deliver one event; the HTTP status torihiki answered.

    To PAYMENT_SANDBOX_WEBHOOK_URL over HTTP when set, else to the same
    handler the route calls (`api.payments.webhooks.receive`), in-process.
    """
    raw = body.encode()
    headers = signed_headers(rt.settings.payment_webhook_secret, raw)
    url = rt.settings.payment_sandbox_webhook_url
    if url:
        import httpx

        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(url, content=raw, headers=headers)
        return response.status_code
    from api.payments.webhooks import receive

    status, _ = await receive(rt, NAME, headers, raw, remote_addr="sandbox")
    return status


# ---- what a developer does in the sandbox's dashboard --------------------------------------


async def pay_konbini(rt: Any, slip_number: str) -> bool:
    """The customer paid the slip at the shop: the sandbox sends konbini.paid. False if not open."""
    async with unit_of_work():
        txn = await SandboxTransaction.get_or_none(slip_number=slip_number, kind="konbini")
        if txn is None or txn.status != "issued":
            return False
        if not await SandboxTransaction.filter(id=txn.id, status="issued").update(status="paid"):
            return False
        await emit(rt, txn, "konbini.paid", paid_at=clock.now().isoformat())
    return True


async def settle_np(rt: Any, ref: str, result: str) -> bool:
    """Decide an NP screening on hold (保留): result "ok" or "ng"."""
    if result not in ("ok", "ng"):
        raise ValueError("result must be ok or ng")
    async with unit_of_work():
        txn = await SandboxTransaction.get_or_none(ref=ref, kind="np")
        if txn is None or txn.status not in ("screening", "on_hold"):
            return False
        await SandboxProvider(rt)._np_result(txn, result)
    return True


async def expire_konbini_slips(rt: Any, today: date | None = None) -> int:
    """Unpaid slips past their deadline expire (the sandbox's own cron); idempotent."""
    today = today or clock.business_today()
    expired = 0
    for txn in await SandboxTransaction.filter(
        kind="konbini", status="issued", deadline__lt=today
    ).order_by("id"):
        async with unit_of_work():
            if await SandboxTransaction.filter(id=txn.id, status="issued").update(status="expired"):
                await emit(rt, txn, "konbini.expired")
                expired += 1
    return expired
