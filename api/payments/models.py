"""Payments of orders, the processor events that moved them, and the sandbox processor's books.

One payment per order (`order_id` unique): the order's snapshot says which
method was chosen; the payment records what happened with the money. Orders
are referenced by plain id, so this app never imports the order models.

`PaymentEvent` keeps every webhook event received, unique per processor and
event id: a second delivery of the same event finds the row and changes
nothing. `RejectedWebhook` keeps the calls whose signature or timestamp did
not verify (never their body: it is not trusted).

The `Sandbox*` tables are the sandbox processor's own records (what a real
processor keeps on its side): torihiki's payment code never reads them; the
sandbox talks back only through signed webhook calls.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.orders.states import PaymentMethod
from api.payments.states import PaymentStatus, WebhookOutcome


class Payment(Model):
    id = fields.IntField(primary_key=True)
    order_id = fields.IntField(unique=True)
    order_number = fields.CharField(max_length=32)
    method = fields.CharEnumField(PaymentMethod, max_length=16)
    status = fields.CharEnumField(PaymentStatus, max_length=16)
    amount = fields.BigIntField()  # integer yen, tax included: the order's amount due
    captured_amount = fields.BigIntField(default=0)
    refunded_amount = fields.BigIntField(default=0)
    user_id = fields.IntField(null=True)
    company_id = fields.IntField(null=True)
    customer_name = fields.CharField(max_length=255)
    customer_email = fields.CharField(max_length=254)
    language = fields.CharField(max_length=5, default="ja")
    # Which processor holds it ("sandbox", a real adapter's name; "" for bank transfer),
    # and its reference there (authorization, slip or NP transaction id).
    provider = fields.CharField(max_length=32, default="")
    provider_ref = fields.CharField(max_length=64, null=True)
    # Bank account + deadline, or konbini slip number + deadline, as told to the customer.
    instructions = fields.JSONField(null=True)
    started_on = fields.DateField()  # Tokyo business date of the order
    deadline = fields.DateField(null=True)  # Tokyo date: the last day to pay
    reminder_sent_on = fields.DateField(null=True)
    # Card: what the processor tells about the card (never its number).
    card_brand = fields.CharField(max_length=16, default="")
    card_last4 = fields.CharField(max_length=4, default="")
    # 入金確認: what staff recorded.
    received_amount = fields.BigIntField(null=True)
    received_on = fields.DateField(null=True)
    failure_code = fields.CharField(max_length=64, default="")
    # The newest processor event applied: older ones arriving late are stale.
    last_event_sequence = fields.BigIntField(default=0)
    last_event_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "payments"
        unique_together = (("provider", "provider_ref"),)
        indexes = (("method", "status", "deadline"), ("user_id", "id"))


class PaymentEvent(Model):
    id = fields.IntField(primary_key=True)
    provider = fields.CharField(max_length=32)
    event_id = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=64)
    provider_ref = fields.CharField(max_length=64, default="")
    payment_id = fields.IntField(null=True)
    sequence = fields.BigIntField(default=0)
    occurred_at = fields.DatetimeField()
    payload = fields.JSONField(default=dict)
    outcome = fields.CharEnumField(WebhookOutcome, max_length=16)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment_events"
        unique_together = (("provider", "event_id"),)
        indexes = (("payment_id", "id"),)


class RejectedWebhook(Model):
    id = fields.IntField(primary_key=True)
    provider = fields.CharField(max_length=32)
    reason = fields.CharField(max_length=32)  # bad_signature, stale_timestamp, malformed …
    remote_addr = fields.CharField(max_length=45, default="")
    body_sha256 = fields.CharField(max_length=64)
    received_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "payment_rejected_webhooks"


# ---- the sandbox processor's side ----------------------------------------------------------


class SandboxTransaction(Model):
    """A card authorization, a konbini slip or an NP transaction at the sandbox processor."""

    id = fields.IntField(primary_key=True)
    ref = fields.CharField(max_length=64, unique=True)  # what torihiki stores as provider_ref
    kind = fields.CharField(max_length=16)  # card, konbini, np
    merchant_ref = fields.CharField(max_length=64)  # torihiki's order number
    amount = fields.BigIntField()
    status = fields.CharField(max_length=16)
    slip_number = fields.CharField(max_length=32, null=True, unique=True)
    deadline = fields.DateField(null=True)
    data = fields.JSONField(default=dict)
    sequence = fields.IntField(default=0)  # events sent about it so far
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sandbox_transactions"


class SandboxCard(Model):
    """A card the sandbox processor holds for a customer (torihiki sees brand, last four)."""

    id = fields.IntField(primary_key=True)
    card_id = fields.CharField(max_length=32, unique=True)
    customer_ref = fields.CharField(max_length=64)
    brand = fields.CharField(max_length=16)
    last4 = fields.CharField(max_length=4)
    exp_month = fields.IntField()
    exp_year = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "sandbox_cards"
        indexes = (("customer_ref", "id"),)
