"""The outbox guarantee: no mail lost, none sent twice once marked sent.

Each case breaks the pipeline the way production breaks it (Redis down at
commit, Redis restarted, a worker killed mid-send, SMTP down, a recipient
refused) and checks what the SMTP server finally received.
"""

from __future__ import annotations

import uuid

import pytest

from api import clock
from api.db import unit_of_work
from api.demo import DEMO_STAFF_EMAIL
from api.notifications import outbox
from api.notifications.models import OutboxMessage, OutboxStatus
from tests.conftest import free_port
from tests.helpers import REGISTER, application, seed


async def _queue(rt, to="a@example.jp", template="application_received"):
    async with unit_of_work():
        message = await outbox.queue_mail(rt, template, to, {"name": "テスト 太郎"})
    return message


def _ids(inbox):
    return [m["X-Torihiki-Outbox-Id"] for m in inbox.messages]


async def test_a_mail_is_enqueued_after_commit_and_sent_once(rt, inbox, run_worker):
    message = await _queue(rt)
    assert await run_worker() == 1
    assert _ids(inbox) == [str(message.id)]
    row = await OutboxMessage.get(id=message.id)
    assert (row.status, row.attempts, row.sent_at is not None) == (OutboxStatus.SENT, 1, True)
    # Enqueueing the same row again, or sweeping, never sends it again.
    await outbox.dispatch(rt, [message.id])
    await outbox.sweep(rt, stale_seconds=0)
    await run_worker()
    assert _ids(inbox) == [str(message.id)]


async def test_rolled_back_change_sends_nothing(rt, inbox, run_worker):
    with pytest.raises(RuntimeError):
        async with unit_of_work():
            await outbox.queue_mail(rt, "application_received", "b@example.jp", {"name": "x"})
            raise RuntimeError("the change failed")
    await run_worker()
    assert inbox.messages == []
    assert await OutboxMessage.all().count() == 0


async def test_crash_between_commit_and_enqueue_loses_nothing(rt, inbox, run_worker, monkeypatch):
    async def redis_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(rt.queue, "enqueue", redis_down)
    message = await _queue(rt)  # committed; the enqueue failed and was only logged
    monkeypatch.undo()
    await run_worker()
    assert inbox.messages == []
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.PENDING
    # Too fresh for the sweeper: it leaves rows alone that a live enqueue may still pick up.
    assert (await outbox.sweep(rt))["enqueued"] == 0
    clock.travel(rt.settings.outbox_stale_seconds + 1)
    assert (await outbox.sweep(rt))["enqueued"] == 1
    await run_worker()
    assert _ids(inbox) == [str(message.id)]


async def test_redis_restart_loses_no_mail(rt, inbox, run_worker):
    messages = [await _queue(rt, to=f"r{i}@example.jp") for i in range(3)]
    await rt.redis.flushdb()  # Redis restarted without persistence: the queue is gone
    await run_worker()
    assert inbox.messages == []
    clock.travel(rt.settings.outbox_stale_seconds + 1)
    await outbox.sweep(rt)
    await run_worker()
    assert sorted(_ids(inbox)) == sorted(str(m.id) for m in messages)


async def test_worker_killed_mid_send_is_recovered_once(rt, inbox, run_worker):
    message = await _queue(rt)
    # A worker claimed the row and died before sending (or before marking it sent).
    assert await outbox.claim(str(message.id)) is not None
    await run_worker()  # the queued job finds the row claimed and leaves it
    assert inbox.messages == []
    assert (await outbox.sweep(rt))["reclaimed"] == 0  # the claim is still fresh
    clock.travel(rt.settings.outbox_stale_seconds + 1)
    result = await outbox.sweep(rt)
    assert (result["reclaimed"], result["enqueued"]) == (1, 1)
    await run_worker()
    assert _ids(inbox) == [str(message.id)]
    row = await OutboxMessage.get(id=message.id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)


async def test_two_jobs_for_one_row_send_it_once(rt, inbox, run_worker):
    message = await _queue(rt)
    await rt.queue.enqueue(outbox.SEND_MAIL_JOB, str(message.id), job_id=f"dup:{uuid.uuid4()}")
    await run_worker()
    assert _ids(inbox) == [str(message.id)]


async def test_smtp_down_retries_then_fails_and_staff_resend_delivers(
    rt, inbox, run_worker, gql, settings
):
    await seed(settings)
    good_port = rt.settings.smtp_port
    rt.settings.smtp_port = free_port()  # nothing listens there
    try:
        message = await _queue(rt, to="down@example.jp")
        await run_worker()
    finally:
        rt.settings.smtp_port = good_port
    row = await OutboxMessage.get(id=message.id)
    assert row.status == OutboxStatus.FAILED
    assert row.attempts == rt.settings.outbox_max_attempts
    assert "Connect" in row.last_error or "connect" in row.last_error
    assert inbox.messages == []

    staff = await gql.login(DEMO_STAFF_EMAIL)
    failed = await gql(
        """{ mails(filter: {status: FAILED}) { totalCount
        nodes { id toAddress attempts lastError status } } }""",
        token=staff,
    )
    [node] = failed["mails"]["nodes"]
    assert failed["mails"]["totalCount"] == 1 and node["toAddress"] == "down@example.jp"
    data = await gql(
        """mutation($id: ID!) { resendMail(input: {mailId: $id}) {
        mail { id status attempts } userErrors { code } } }""",
        {"id": node["id"]},
        token=staff,
    )
    assert data["resendMail"] == {
        "mail": {"id": node["id"], "status": "PENDING", "attempts": 0},
        "userErrors": [],
    }
    await run_worker()
    assert _ids(inbox) == [str(message.id)]
    # A SENT mail cannot be flipped back: re-sending it makes a new row, history stays.
    again = await gql(
        """mutation($id: ID!) { resendMail(input: {mailId: $id}) {
        mail { id status } userErrors { code } } }""",
        {"id": node["id"]},
        token=staff,
    )
    assert again["resendMail"]["mail"]["id"] != node["id"]
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENT


async def test_refused_recipient_fails_at_once(rt, inbox, run_worker):
    inbox.refuse.add("gone@example.jp")
    message = await _queue(rt, to="gone@example.jp")
    await run_worker()
    row = await OutboxMessage.get(id=message.id)
    assert (row.status, row.attempts) == (OutboxStatus.FAILED, 1)
    assert "550" in row.last_error


async def test_request_id_follows_the_mail(gql, rt, inbox, run_worker, settings):
    await seed(settings)
    rid = "abcdef0123456789"
    response = await gql.http.post(
        "/graphql",
        json={"query": REGISTER, "variables": {"input": application()}},
        headers={"X-Request-ID": rid},
    )
    assert response.headers["x-request-id"] == rid
    row = await OutboxMessage.get(to_address="hanako.suzuki@example.co.jp")
    assert row.request_id == rid


async def test_mail_list_is_constant_in_sql_statements(gql, rt, sql, settings):
    await seed(settings)
    staff = await gql.login(DEMO_STAFF_EMAIL)
    query = "{ mails(first: 50) { totalCount edges { node { id toAddress status } } } }"
    counts = []
    for batch in (2, 20):
        for i in range(batch):
            await _queue(rt, to=f"n{batch}-{i}@example.jp")
        with sql() as counter:
            data = await gql(query, token=staff)
        counts.append(counter.count)
    # 22 queued here, plus the staff member's sign-in code mail
    assert len(data["mails"]["edges"]) == await OutboxMessage.all().count() == 23
    assert counts[0] == counts[1], counts


async def test_mail_log_sort_null_is_newest_first_and_staff_only(gql, rt, settings):
    await seed(settings)
    staff = await gql.login(DEMO_STAFF_EMAIL)
    for i in range(3):
        await _queue(rt, to=f"order{i}@example.jp")
    query = "query($sort: MailSort) { mails(sort: $sort, first: 100) { nodes { id } } }"
    newest = [n["id"] for n in (await gql(query, {"sort": None}, token=staff))["mails"]["nodes"]]
    oldest = [
        n["id"] for n in (await gql(query, {"sort": "OLDEST"}, token=staff))["mails"]["nodes"]
    ]
    # null is the default order (NEWEST), the exact reverse of OLDEST.
    assert len(newest) >= 4 and newest == oldest[::-1]
    # A mail's global ID resolves for staff only; another caller reads it as missing.
    mail_id = (await gql("{ mails(first: 1) { nodes { id } } }", token=staff))["mails"]["nodes"][0][
        "id"
    ]
    node = "query($id: ID!) { node(id: $id) { id } }"
    assert (await gql(node, {"id": mail_id}, token=staff))["node"] == {"id": mail_id}
    assert (await gql(node, {"id": mail_id}, token=""))["node"] is None
