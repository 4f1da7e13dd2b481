"""What torihiki needs from a payment processor: the adapter interface.

Shaped like the Japanese processors' APIs: a card is authorized with a one-time
token that the processor's own script made in the customer's browser (torihiki
never sees a card number) and captured, voided or refunded later; cards can be
stored at the processor for a customer and listed or deleted there; a konbini
payment is a slip (number, deadline) that is paid or expires; NP 掛け払い
registers a transaction, answers the credit check later (OK / NG / 保留) and
bills once the sale is confirmed.

Synchronous answers come back from the calls; everything that happens later
(a slip paid, an NP result) arrives as a signed webhook call to
`/webhooks/payments/<provider>`, which the adapter verifies and parses into
`WebhookEvent`s. A real processor is a new module implementing
`PaymentProvider`, registered in `PROVIDERS` (docs/payments.md).

The calls run inside the caller's transaction (the order's): an adapter must
not assume its call is committed, and should pass `merchant_ref` (the order
number) as the processor's idempotency key so a retried call is not charged
twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol


class ProviderError(Exception):
    """The processor could not be reached or failed: try again later (not the card's fault)."""


class CardDeclined(Exception):
    """The issuer refused the card; `code` is the processor's reason, `message` for people."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.message = message


class WebhookRejected(Exception):
    """A webhook call that does not verify; `reason` is recorded (bad_signature, …)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class CardAuthorization:
    ref: str  # the processor's transaction id
    brand: str  # visa, mastercard, jcb, amex, diners
    last4: str
    stored_card_id: str | None = None  # when the card was saved (or a stored one was used)


@dataclass(frozen=True)
class StoredCard:
    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class KonbiniSlip:
    ref: str
    slip_number: str  # 払込票番号 / お客様番号, what the customer tells the shop
    deadline: date
    payment_url: str = ""  # the processor's page with the store's instructions


@dataclass(frozen=True)
class NpRegistration:
    ref: str  # NP's transaction id; the screening result arrives by webhook


@dataclass(frozen=True)
class WebhookEvent:
    """One fact from the processor, parsed and verified."""

    id: str  # unique per processor: a second delivery has the same id
    kind: str  # see EVENT_KINDS
    ref: str  # the transaction it is about (CardAuthorization/KonbiniSlip/NpRegistration.ref)
    occurred_at: datetime
    sequence: int = 0  # increases per transaction: later facts have larger numbers
    data: Mapping[str, Any] = field(default_factory=dict)


# The event kinds torihiki acts on; an adapter maps its processor's names onto these.
EVENT_KINDS = frozenset(
    {
        "card.captured",
        "card.voided",
        "card.refunded",
        "konbini.paid",
        "konbini.expired",
        "konbini.cancelled",
        "np.approved",
        "np.rejected",
        "np.on_hold",
        "np.cancelled",
        "np.billed",
        "processor.failed",
    }
)


class PaymentProvider(Protocol):
    name: str

    # -- card
    async def authorize_card(
        self,
        *,
        merchant_ref: str,
        amount: int,
        card_token: str | None,
        stored_card_id: str | None,
        customer_ref: str | None,
        save_card: bool,
    ) -> CardAuthorization: ...

    async def capture_card(self, ref: str, amount: int) -> None: ...
    async def void_card(self, ref: str) -> None: ...
    async def refund_card(self, ref: str, amount: int) -> None: ...
    async def list_cards(self, customer_ref: str) -> list[StoredCard]: ...
    async def delete_card(self, customer_ref: str, card_id: str) -> bool: ...

    # -- konbini
    async def issue_konbini_slip(
        self, *, merchant_ref: str, amount: int, deadline: date, customer_name: str, email: str
    ) -> KonbiniSlip: ...

    async def cancel_konbini_slip(self, ref: str) -> None: ...

    # -- NP 掛け払い
    async def np_register(
        self,
        *,
        merchant_ref: str,
        amount: int,
        company_name: str,
        customer_name: str,
        email: str,
    ) -> NpRegistration: ...

    async def np_request_billing(self, ref: str) -> None: ...
    async def np_cancel(self, ref: str) -> None: ...

    # -- webhooks
    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[WebhookEvent]:
        """Verify the call (signature, timestamp) and parse it; WebhookRejected if it fails."""
        ...


ProviderFactory = Callable[[Any], PaymentProvider]


def _sandbox(rt: Any) -> PaymentProvider:
    from api.payments.sandbox import SandboxProvider

    return SandboxProvider(rt)


# Processor names (PAYMENT_PROVIDER) → adapter factories taking the Runtime.
PROVIDERS: dict[str, ProviderFactory] = {"sandbox": _sandbox}


def provider_for(rt: Any) -> PaymentProvider | None:
    """The configured processor, or None when the store runs without one (bank transfer only)."""
    name = rt.settings.payment_processor
    if name == "none":
        return None
    factory = PROVIDERS.get(name)
    if factory is None:
        raise RuntimeError(f"unknown PAYMENT_PROVIDER {name!r}; known: {', '.join(PROVIDERS)}")
    return factory(rt)
