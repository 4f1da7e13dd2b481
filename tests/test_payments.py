"""Payments (issue 12): the seam orders call, the sandbox processor, signed webhooks.

The sandbox talks to torihiki only by signed webhook calls delivered by the
worker (`run_worker`), so these tests exercise the production path: the
handler verifies, records and applies each event once.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from api import clock
from api.accounts.models import User
from api.actor import Actor
from api.audit.models import StatusTransition
from api.db import unit_of_work
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.errors import DomainError
from api.events import bus
from api.orders.states import PaymentMethod
from api.payments import sandbox, service
from api.payments.events import PaymentExpired, PaymentFailed, PaymentOnHold, PaymentSecured
from api.payments.models import Payment, PaymentEvent, RejectedWebhook, SandboxTransaction
from api.payments.states import PaymentStatus
from api.settings import Environment, Settings
from tests.conftest import body_text
from tests.helpers import seed
from workers.jobs.payments import payment_deadlines, sandbox_konbini_expiry

S = PaymentStatus
GUEST = Actor.anonymous()
WEBHOOK = "/webhooks/payments/sandbox"


@pytest.fixture
def heard():
    """The payment events published, in order (subscribed for this test only)."""
    events: list[object] = []

    async def record(event: object) -> None:
        events.append(event)

    kinds = (PaymentSecured, PaymentFailed, PaymentExpired, PaymentOnHold)
    for kind in kinds:
        bus().subscribe(kind, record)
    yield events
    for kind in kinds:
        bus()._handlers[kind].remove(record)


def codes(error: pytest.ExceptionInfo) -> list[str]:
    return [p.code for p in error.value.problems]


async def start(rt, actor=GUEST, order_id=1, method=PaymentMethod.CARD, amount=11_000, **kw):
    args = {
        "order_id": order_id,
        "order_number": f"EC2026120400{order_id:03}",
        "method": method,
        "amount": amount,
        "company_id": None,
        "customer_name": "鈴木 花子",
        "customer_email": "hanako@example.jp",
        **kw,
    }
    if method == PaymentMethod.CARD and "stored_card_id" not in kw:
        args.setdefault("card_token", "tok_sandbox_visa")
    async with unit_of_work():
        return await service.start_payment(rt, actor, **args)


async def status_of(order_id: int = 1) -> PaymentStatus:
    return (await Payment.get(order_id=order_id)).status


def transitions(payment_id: int) -> list[tuple[str, str]]:
    return StatusTransition.filter(entity="payment", entity_id=str(payment_id)).order_by("id")


async def history(payment_id: int) -> list[tuple[str, str]]:
    return [(t.from_status, t.to_status) for t in await transitions(payment_id)]


def event_body(ref: str, kind: str, seq: int, event_id: str | None = None) -> bytes:
    doc = {
        "id": event_id or f"evt_{kind}_{seq}",
        "type": kind,
        "ref": ref,
        "created": clock.now().isoformat(),
        "sequence": seq,
        "data": {},
    }
    return json.dumps(doc).encode()


async def post(http, rt, body: bytes, **header_overrides):
    headers = sandbox.signed_headers(rt.settings.payment_webhook_secret, body)
    headers.update(header_overrides)
    return await http.post(WEBHOOK, content=body, headers=headers)


# ---- card -------------------------------------------------------------------------------


async def test_card_authorized_now_is_secured_and_captured_then_refunded(rt):
    started = await start(rt)
    assert started.secured and started.status == S.AUTHORIZED and started.instructions is None
    payment = await Payment.get(id=started.payment_id)
    assert (payment.card_brand, payment.card_last4, payment.provider) == ("visa", "4242", "sandbox")
    assert await service.capture_payment(rt, order_id=1) == S.CAPTURED
    assert await service.capture_payment(rt, order_id=1) == S.CAPTURED  # again: nothing new
    assert await service.cancel_payment(rt, order_id=1, reason="返品") == S.REFUNDED
    assert await service.cancel_payment(rt, order_id=1, reason="返品") == S.REFUNDED
    assert await history(started.payment_id) == [
        ("", "pending"),
        ("pending", "authorized"),
        ("authorized", "captured"),
        ("captured", "refunded"),
    ]
    txn = await SandboxTransaction.get(ref=payment.provider_ref)
    assert txn.status == "refunded"


async def test_card_void_when_cancelled_before_shipment(rt):
    started = await start(rt)
    assert await service.cancel_payment(rt, order_id=1, reason="お客様都合") == S.CANCELLED
    assert await history(started.payment_id) == [
        ("", "pending"),
        ("pending", "authorized"),
        ("authorized", "cancelled"),
    ]
    assert (await transitions(started.payment_id))[-1].reason == "お客様都合"


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("tok_sandbox_declined", "card_declined"),
        ("tok_sandbox_insufficient_funds", "insufficient_funds"),
        ("tok_sandbox_expired_card", "expired_card"),
        ("tok_live_4242424242424242", "invalid_token"),
    ],
)
async def test_a_declined_card_rolls_the_order_back(rt, token, reason):
    with pytest.raises(DomainError) as e:
        await start(rt, card_token=token)
    assert codes(e) == ["PAYMENT_DECLINED"]
    assert e.value.problems[0].params["reason"] == reason
    assert e.value.problems[0].field == ("cardToken",)
    assert await Payment.all().count() == 0
    assert await StatusTransition.filter(entity="payment").count() == 0


async def test_a_processor_failure_is_unavailable_not_declined(rt):
    with pytest.raises(DomainError) as e:
        await start(rt, card_token="tok_sandbox_processing_error")
    assert codes(e) == ["PAYMENT_PROVIDER_UNAVAILABLE"]
    assert await Payment.all().count() == 0


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"card_token": None}, "CARD_REQUIRED"),
        ({"card_token": "tok_sandbox_visa", "stored_card_id": "card_x"}, "CARD_REQUIRED"),
        ({"card_token": "x" * 129}, "INVALID_CARD_TOKEN"),
        ({"card_token": "tok\x00sandbox"}, "INVALID_CARD_TOKEN"),
        ({"card_token": "tok_サンドボックス"}, "INVALID_CARD_TOKEN"),
        ({"amount": 0}, "OUT_OF_RANGE"),
        ({"amount": -5}, "OUT_OF_RANGE"),
        ({"amount": 10**30}, "OUT_OF_RANGE"),
        ({"amount": True}, "OUT_OF_RANGE"),
        ({"customer_email": "not-an-address"}, "INVALID_EMAIL"),
        ({"customer_name": "\x00\u202e"}, "REQUIRED"),
        ({"method": "bitcoin"}, "UNKNOWN_PAYMENT_METHOD"),
    ],
)
async def test_hostile_input_is_refused_with_a_code(rt, kw, code):
    method = kw.pop("method", PaymentMethod.CARD)
    with pytest.raises(DomainError) as e:
        await start(rt, method=method, **kw)
    assert code in codes(e)
    assert await Payment.all().count() == 0


async def test_start_is_idempotent_per_order(rt):
    first = await start(rt)
    assert await start(rt) == first
    with pytest.raises(DomainError) as e:
        await start(rt, amount=12_000)
    assert codes(e) == ["PAYMENT_ALREADY_STARTED"]
    assert await SandboxTransaction.all().count() == 1


async def test_stored_cards_are_held_by_the_processor(rt, settings):
    await seed(settings)
    member = await Actor.of_user(await User.get(email=DEMO_MEMBER_EMAIL))
    await start(rt, member, order_id=1, save_card=True)
    cards = await service.my_stored_cards(rt, member)
    assert [(c.brand, c.last4) for c in cards] == [("visa", "4242")]
    again = await start(rt, member, order_id=2, card_token=None, stored_card_id=cards[0].id)
    assert again.secured
    # Another member cannot charge it.
    other = await Actor.of_user(await User.get(email="general@example.com"))
    with pytest.raises(DomainError) as e:
        await start(rt, other, order_id=3, card_token=None, stored_card_id=cards[0].id)
    assert e.value.problems[0].params["reason"] == "card_not_found"


# ---- bank transfer ------------------------------------------------------------------------


async def test_bank_transfer_instructions_deadline_and_staff_record(
    rt, settings, run_worker, inbox, heard
):
    await seed(settings)
    # Friday 2026-12-04 (Tokyo): five business days later is Friday 2026-12-11.
    clock.travel((clock_at(date(2026, 12, 4)) - clock.now()).total_seconds())
    started = await start(rt, method=PaymentMethod.BANK_TRANSFER)
    assert not started.secured and started.status == S.PENDING
    assert started.instructions["deadline"] == "2026-12-11"
    assert started.instructions["bankName"] == rt.policy.payments.bank_account.bank_name
    await run_worker()
    mail = inbox.to("hanako@example.jp")[-1]
    assert "お支払いのご案内" in mail["Subject"]
    text = body_text(mail)
    assert "2026-12-11" in text and "11,000円" in text
    assert rt.policy.payments.bank_account.account_number in text

    staff = await Actor.of_user(await User.get(email=DEMO_STAFF_EMAIL))
    today = clock.business_today()
    with pytest.raises(DomainError) as e:
        await service.record_bank_payment(rt, staff, order_id=1, amount=10_999, received_on=today)
    assert codes(e) == ["PAYMENT_AMOUNT_MISMATCH"]
    assert e.value.problems[0].params == {"expected": 11_000, "received": 10_999}
    with pytest.raises(DomainError) as e:
        await service.record_bank_payment(
            rt, staff, order_id=1, amount=11_000, received_on=today + timedelta(days=1)
        )
    assert codes(e) == ["DATE_IN_FUTURE"]
    with pytest.raises(DomainError) as e:
        await service.record_bank_payment(rt, GUEST, order_id=1, amount=11_000, received_on=today)
    assert codes(e) == ["UNAUTHENTICATED"]
    assert heard == []
    payment = await service.record_bank_payment(
        rt, staff, order_id=1, amount=11_000, received_on=today
    )
    assert payment.status == S.CAPTURED and payment.received_on == today
    assert heard == [PaymentSecured(1, payment.id, "bank_transfer")]
    assert (await transitions(payment.id))[-1].actor_id == staff.user_id
    with pytest.raises(DomainError) as e:
        await service.record_bank_payment(rt, staff, order_id=1, amount=11_000, received_on=today)
    assert codes(e) == ["PAYMENT_ALREADY_RECORDED"]
    await run_worker()
    assert "ご入金確認" in inbox.to("hanako@example.jp")[-1]["Subject"]


def clock_at(day: date):
    from datetime import datetime

    return datetime(day.year, day.month, day.day, 10, 0, tzinfo=clock.TOKYO)


async def test_bank_transfer_reminder_then_expiry_caught_up_once(rt, run_worker, inbox, heard):
    clock.travel((clock_at(date(2026, 12, 4)) - clock.now()).total_seconds())
    await start(rt, method=PaymentMethod.BANK_TRANSFER)
    await run_worker()
    inbox.clear()
    # Monday 12-07: the deadline (Fri 12-11) is 4 business days away: no reminder yet.
    clock.travel(3 * 86400)
    assert await payment_deadlines({"rt": rt}) == {"reminded": 0, "expired": 0}
    # Wednesday 12-09: 2 business days left: one reminder, however often the job runs.
    clock.travel(2 * 86400)
    assert await payment_deadlines({"rt": rt}) == {"reminded": 1, "expired": 0}
    assert await payment_deadlines({"rt": rt}) == {"reminded": 0, "expired": 0}
    await run_worker()
    assert [m["Subject"] for m in inbox.to("hanako@example.jp")] == [
        f"【{rt.policy.name}】お振込期限のお知らせ（ご注文番号 EC2026120400001）"
    ]
    # The deadline day itself is still payable; the worker was down until Tuesday 12-15.
    clock.travel(2 * 86400)
    assert await payment_deadlines({"rt": rt}) == {"reminded": 0, "expired": 0}
    clock.travel(4 * 86400)
    assert await payment_deadlines({"rt": rt}) == {"reminded": 0, "expired": 1}
    assert await payment_deadlines({"rt": rt}) == {"reminded": 0, "expired": 0}
    assert await status_of() == S.EXPIRED
    assert heard == [PaymentExpired(1, "bank_transfer")]
    # Cancelling the expired payment (the order's cancellation) changes nothing.
    assert await service.cancel_payment(rt, order_id=1, reason="期限切れ") == S.EXPIRED


# ---- konbini ------------------------------------------------------------------------------


async def test_konbini_slip_paid_at_the_shop_arrives_by_webhook(rt, run_worker, inbox, heard):
    started = await start(rt, method=PaymentMethod.KONBINI)
    assert not started.secured and started.status == S.PENDING
    slip = started.instructions["slipNumber"]
    assert slip.isdigit() and len(slip) == 12
    deadline = clock.business_today() + timedelta(days=rt.policy.payments.konbini_deadline_days)
    assert started.instructions["deadline"] == deadline.isoformat()
    await run_worker()
    assert slip in body_text(inbox.to("hanako@example.jp")[-1])
    assert await sandbox.pay_konbini(rt, slip)
    assert not await sandbox.pay_konbini(rt, slip)  # paid once
    assert heard == []  # nothing until the webhook is delivered
    await run_worker()
    assert await status_of() == S.CAPTURED
    assert heard == [PaymentSecured(1, started.payment_id, "konbini")]
    assert await PaymentEvent.filter(kind="konbini.paid", outcome="applied").count() == 1
    assert "ご入金確認" in inbox.to("hanako@example.jp")[-1]["Subject"]


async def test_konbini_slip_expires_at_the_processor(rt, run_worker, heard):
    await start(rt, method=PaymentMethod.KONBINI)
    assert await sandbox_konbini_expiry({"rt": rt}) == {"expired": 0}
    clock.travel((rt.policy.payments.konbini_deadline_days + 1) * 86400)
    assert await sandbox_konbini_expiry({"rt": rt}) == {"expired": 1}
    assert await sandbox_konbini_expiry({"rt": rt}) == {"expired": 0}
    await run_worker()
    assert await status_of() == S.EXPIRED
    assert heard == [PaymentExpired(1, "konbini")]


async def test_konbini_cancel_cancels_the_slip(rt):
    started = await start(rt, method=PaymentMethod.KONBINI)
    assert await service.cancel_payment(rt, order_id=1, reason="取消") == S.CANCELLED
    slip = started.instructions["slipNumber"]
    assert (await SandboxTransaction.get(slip_number=slip)).status == "cancelled"
    assert not await sandbox.pay_konbini(rt, slip)


# ---- NP 掛け払い --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("company", "amount", "final", "event"),
    [
        ("株式会社サンプル商事", 110_000, S.APPROVED, PaymentSecured),
        ("株式会社サンプル商事", sandbox.NP_CREDIT_LIMIT + 1, S.REJECTED, PaymentFailed),
        ("株式会社審査NG", 1_000, S.REJECTED, PaymentFailed),
        ("保留テスト株式会社", 1_000, S.ON_HOLD, PaymentOnHold),
        ("ｈｏｌｄ Corp", 1_000, S.ON_HOLD, PaymentOnHold),
    ],
)
async def test_np_screening_by_test_data(rt, run_worker, heard, company, amount, final, event):
    started = await start(
        rt, method=PaymentMethod.NP_DEFERRED, amount=amount, company_id=7, company_name=company
    )
    assert started.status == S.SCREENING and not started.secured
    await run_worker()
    assert await status_of() == final
    assert [type(e) for e in heard] == [event]
    if event is PaymentFailed:
        assert heard[0].reason == "np_rejected"


async def test_np_on_hold_then_settled_and_billed(rt, run_worker, heard):
    await start(rt, method=PaymentMethod.NP_DEFERRED, company_name="保留テスト株式会社")
    await run_worker()
    payment = await Payment.get(order_id=1)
    assert await sandbox.settle_np(rt, payment.provider_ref, "ok")
    await run_worker()
    assert await status_of() == S.APPROVED
    assert [type(e) for e in heard] == [PaymentOnHold, PaymentSecured]
    assert await service.capture_payment(rt, order_id=1) == S.CAPTURED
    assert (await SandboxTransaction.get(ref=payment.provider_ref)).status == "billed"
    assert await service.cancel_payment(rt, order_id=1, reason="解約") == S.REFUNDED


async def test_capture_before_np_approval_is_refused(rt):
    await start(rt, method=PaymentMethod.NP_DEFERRED)
    with pytest.raises(DomainError) as e:
        await service.capture_payment(rt, order_id=1)
    assert codes(e) == ["INVALID_STATUS"]
    assert e.value.problems[0].params == {"status": "screening"}


# ---- webhooks over HTTP -------------------------------------------------------------------


async def test_bad_signatures_are_refused_and_recorded(rt, http, heard):
    started = await start(rt, method=PaymentMethod.KONBINI)
    ref = (await Payment.get(id=started.payment_id)).provider_ref
    body = event_body(ref, "konbini.paid", 1)
    forged = await post(http, rt, body, **{sandbox.SIGNATURE_HEADER: "v1=" + "0" * 64})
    assert forged.status_code == 401 and forged.json() == {"error": "bad_signature"}
    other_secret = sandbox.signed_headers("another-secret-entirely", body)
    assert (await http.post(WEBHOOK, content=body, headers=other_secret)).status_code == 401
    missing = await http.post(WEBHOOK, content=body, headers={"content-type": "application/json"})
    assert missing.status_code == 401
    tampered = await http.post(
        WEBHOOK,
        content=body.replace(b"konbini.paid", b"konbini.xpaid"),
        headers=sandbox.signed_headers(rt.settings.payment_webhook_secret, body),
    )
    assert tampered.status_code == 401
    old = sandbox.signed_headers(
        rt.settings.payment_webhook_secret,
        body,
        timestamp=int(clock.now().timestamp()) - rt.settings.payment_webhook_tolerance_seconds - 5,
    )
    stale = await http.post(WEBHOOK, content=body, headers=old)
    assert stale.status_code == 401 and stale.json() == {"error": "stale_timestamp"}
    hostile = await post(http, rt, b"\x00" * 10, **{sandbox.TIMESTAMP_HEADER: "9" * 40})
    assert hostile.status_code == 401
    garbage = b'{"id": 5}'
    assert (await post(http, rt, garbage)).status_code == 400
    assert (await post(http, rt, b"[" * 5000)).status_code == 400
    assert (await http.post("/webhooks/payments/other", content=body)).status_code == 404
    assert await status_of() == S.PENDING and heard == []
    assert await PaymentEvent.all().count() == 0
    reasons = sorted(await RejectedWebhook.all().values_list("reason", flat=True))
    assert reasons == ["bad_signature"] * 5 + ["malformed"] * 2 + ["stale_timestamp"]


async def test_a_duplicate_event_is_applied_once(rt, http, heard):
    started = await start(rt, method=PaymentMethod.KONBINI)
    ref = (await Payment.get(id=started.payment_id)).provider_ref
    body = event_body(ref, "konbini.paid", 1)
    first = await post(http, rt, body)
    again = await post(http, rt, body)
    assert first.status_code == again.status_code == 200
    assert first.json()["outcomes"] == ["applied"] and again.json()["outcomes"] == ["duplicate"]
    assert heard == [PaymentSecured(1, started.payment_id, "konbini")]
    assert await PaymentEvent.all().count() == 1
    assert await history(started.payment_id) == [("", "pending"), ("pending", "captured")]


async def test_out_of_order_events_end_in_the_right_state(rt, http, heard):
    started = await start(rt, method=PaymentMethod.NP_DEFERRED, company_name="保留テスト")
    ref = (await Payment.get(id=started.payment_id)).provider_ref
    # The processor sent 保留 (2) then OK (3); they arrive the other way round.
    approved = await post(http, rt, event_body(ref, "np.approved", 3))
    held = await post(http, rt, event_body(ref, "np.on_hold", 2))
    assert approved.json()["outcomes"] == ["applied"] and held.json()["outcomes"] == ["stale"]
    assert await status_of() == S.APPROVED
    # A transition already passed is ignored whatever its number: paid beats expired.
    konbini = await start(rt, order_id=2, method=PaymentMethod.KONBINI)
    kref = (await Payment.get(id=konbini.payment_id)).provider_ref
    await post(http, rt, event_body(kref, "konbini.paid", 1))
    late = await post(http, rt, event_body(kref, "konbini.expired", 2))
    assert late.json()["outcomes"] == ["stale"]
    assert await status_of(2) == S.CAPTURED
    assert [type(e) for e in heard] == [PaymentSecured, PaymentSecured]
    assert await PaymentEvent.filter(outcome="stale").count() == 2


async def test_an_event_for_an_unknown_payment_is_recorded(rt, http):
    answer = await post(http, rt, event_body("kb_nothing", "konbini.paid", 1))
    assert answer.status_code == 200 and answer.json()["outcomes"] == ["unknown_payment"]
    assert await PaymentEvent.filter(outcome="unknown_payment").count() == 1


async def test_sandbox_pages_pay_a_slip_in_development(rt, http, run_worker):
    started = await start(rt, method=PaymentMethod.KONBINI)
    slip = started.instructions["slipNumber"]
    page = await http.get(f"/sandbox/konbini/{slip}")
    assert page.status_code == 200 and "SANDBOX" in page.text
    assert (await http.post("/sandbox/konbini/<script>/pay")).status_code == 404
    assert (await http.post(f"/sandbox/konbini/{slip}/pay")).json() == {"paid": True, "slip": slip}
    await run_worker()
    assert await status_of() == S.CAPTURED


# ---- production ---------------------------------------------------------------------------


def _production(**kw) -> Settings:
    return Settings(
        _env_file=None,
        environment=Environment.PRODUCTION,
        secret_key="k" * 40,
        database_url="postgres://db/torihiki",
        redis_url="redis://redis:6379/0",
        embedded_smtp_sink=False,
        **kw,
    )


def test_production_refuses_the_sandbox_processor():
    with pytest.raises(RuntimeError, match="PAYMENT_PROVIDER must not be sandbox"):
        _production(payment_provider="sandbox").check_production()
    # Unset, production runs without a processor (bank transfer only), never the sandbox.
    quiet = _production()
    quiet.check_production()
    assert quiet.payment_processor == "none"
    assert Settings(_env_file=None).payment_processor == "sandbox"
    with pytest.raises(RuntimeError, match="PAYMENT_WEBHOOK_SECRET"):
        _production(payment_provider="realpay").check_production()


def test_production_mounts_no_sandbox_pages():
    from api.app import create_app

    paths = {getattr(r, "path", "") for r in create_app(_production()).routes}
    assert "/webhooks/payments/{provider}" in paths
    assert not any(p.startswith("/sandbox") for p in paths)


async def test_without_a_processor_only_bank_transfer_is_offered(rt, monkeypatch):
    monkeypatch.setattr(rt.settings, "payment_provider", "none")
    with pytest.raises(DomainError) as e:
        await start(rt, method=PaymentMethod.KONBINI)
    assert codes(e) == ["PAYMENT_METHOD_UNAVAILABLE"]
    assert (await start(rt, method=PaymentMethod.BANK_TRANSFER)).status == S.PENDING


async def test_the_same_event_delivered_twice_at_once_is_applied_once(rt, http, heard):
    import asyncio

    started = await start(rt, method=PaymentMethod.KONBINI)
    ref = (await Payment.get(id=started.payment_id)).provider_ref
    body = event_body(ref, "konbini.paid", 1)
    answers = await asyncio.gather(*(post(http, rt, body) for _ in range(4)))
    outcomes = sorted(a.json()["outcomes"][0] for a in answers)
    assert [a.status_code for a in answers] == [200] * 4
    assert outcomes == ["applied", "duplicate", "duplicate", "duplicate"]
    assert heard == [PaymentSecured(1, started.payment_id, "konbini")]
    assert await PaymentEvent.all().count() == 1


async def test_two_staff_recording_the_same_transfer_at_once_record_it_once(rt, settings, heard):
    import asyncio

    await seed(settings)
    await start(rt, method=PaymentMethod.BANK_TRANSFER)
    staff = await Actor.of_user(await User.get(email=DEMO_STAFF_EMAIL))
    today = clock.business_today()

    async def record():
        try:
            await service.record_bank_payment(
                rt, staff, order_id=1, amount=11_000, received_on=today
            )
            return "ok"
        except DomainError as e:
            return e.problems[0].code

    results = await asyncio.gather(record(), record())
    assert results.count("ok") == 1
    assert {r for r in results if r != "ok"} <= {"INVALID_STATUS", "PAYMENT_ALREADY_RECORDED"}
    assert len(heard) == 1
