"""Project-level checks: exported schema, production settings, CLI, dev mailbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from api.graphql.limits import DocumentLimits, limits_rule
from api.graphql.pagination import decode_cursor, encode_cursor
from api.settings import DEV_SECRET_KEY, Environment, Settings

ROOT = Path(__file__).resolve().parents[1]


def test_committed_schema_matches_the_code():
    from api.graphql.schema import export_schema

    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == export_schema(), "schema.graphql is stale: run `make schema`"


def test_production_refuses_dev_defaults():
    settings = Settings(_env_file=None, environment=Environment.PRODUCTION)
    with pytest.raises(RuntimeError) as e:
        settings.check_production()
    for needle in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMBEDDED_SMTP_SINK"):
        assert needle in str(e.value)
    good = Settings(
        _env_file=None,
        environment=Environment.PRODUCTION,
        secret_key="x" * 40,
        database_url="postgres://db/torihiki",
        redis_url="redis://redis:6379/0",
        embedded_smtp_sink=False,
    )
    good.check_production()
    assert good.secret_key != DEV_SECRET_KEY
    assert good.graphiql_enabled is False
    assert good.introspection_policy.value == "staff"


def test_each_store_profile_has_its_own_development_database(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    urls = {
        profile: Settings(_env_file=None, store_profile=profile).database_url
        for profile in ("saas-b2b", "goods-b2c", "members-shop", "/srv/stores/my shop.toml")
    }
    assert urls == {
        "saas-b2b": "sqlite://var/saas-b2b.sqlite3",
        "goods-b2c": "sqlite://var/goods-b2c.sqlite3",
        "members-shop": "sqlite://var/members-shop.sqlite3",
        "/srv/stores/my shop.toml": "sqlite://var/my-shop.sqlite3",
    }
    explicit = Settings(_env_file=None, database_url="postgres://db/x", store_profile="goods-b2c")
    assert explicit.database_url == "postgres://db/x"


def test_cursors_round_trip_and_reject_garbage():
    assert decode_cursor(encode_cursor(41), "after") == 41
    from api.errors import DomainError

    for bad in ("nope", encode_cursor(1).replace("=", "") + "!!", "YWJjOjE="):
        with pytest.raises(DomainError):
            decode_cursor(bad, "after")


def test_cost_rule_multiplies_by_page_size():
    from graphql import build_schema, parse, validate

    sdl = build_schema("""
      type Item { id: ID! tags: TagConnection! }
      type Tag { id: ID! }
      type TagConnection { edges: [TagEdge!]! }
      type TagEdge { node: Tag! }
      type ItemEdge { node: Item! }
      type ItemConnection { edges: [ItemEdge!]! }
      type Query { items(first: Int): ItemConnection! }
    """)
    query = "{ items(first: 100) { edges { node { id tags { edges { node { id } } } } } } }"
    assert validate(sdl, parse(query), [limits_rule(DocumentLimits(max_cost=100_000))]) == []
    [error] = validate(sdl, parse(query), [limits_rule(DocumentLimits(max_cost=1000))])
    assert error.extensions["code"] == "QUERY_TOO_COMPLEX"
    assert error.extensions["cost"] > 1000


def test_cli_export_schema_check_passes_on_a_fresh_tree():
    result = subprocess.run(
        [sys.executable, "-m", "api.cli", "export-schema", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


async def test_create_staff_validates_and_creates(settings, rt):
    from api.accounts.models import User, UserKind
    from api.accounts.staff import create_staff
    from api.errors import DomainError

    with pytest.raises(DomainError) as e:
        await create_staff(settings, "not-an-email", "short", "運営", "太郎")
    assert {p.code for p in e.value.problems} >= {"INVALID_EMAIL", "PASSWORD_TOO_SHORT"}
    user = await create_staff(settings, "Ops@Example.com", "Kumo-sora-77", "運営", "太郎")
    assert (user.email, user.kind) == ("ops@example.com", UserKind.STAFF)
    assert await User.filter(email="ops@example.com").count() == 1
    with pytest.raises(DomainError):
        await create_staff(settings, "ops@example.com", "Kumo-sora-77", "運営", "太郎")


async def test_dev_mailbox_lists_and_shows_what_the_sink_received(tmp_path):
    import aiosmtplib
    import httpx
    from starlette.applications import Starlette

    from api.dev_mailbox import SmtpSink, mailbox_routes
    from tests.conftest import free_port
    from workers.rendering import build_message, render

    port = free_port()
    sink = SmtpSink(tmp_path, "127.0.0.1", port)
    sink.start()
    try:
        rendered = render(
            "verify_email",
            "ja",
            {
                "name": "鈴木 花子",
                "verify_url": "https://shop.example.test/verify-email?token=t0k",
                "expires_hours": 24,
                "store": {"name": "テストストア", "support_email": "s@e.jp"},
            },
        )
        message = build_message(
            rendered,
            sender="shop@example.jp",
            to="hanako@example.jp",
            message_id="m-1",
            domain="torihiki",
        )
        await aiosmtplib.send(
            message.data,
            sender=message.sender,
            recipients=list(message.recipients),
            hostname="127.0.0.1",
            port=port,
        )
    finally:
        sink.stop()
    app = Starlette(routes=mailbox_routes(tmp_path))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        index = await client.get("/dev/mailbox")
        assert "本人確認のお願い" in index.text and "hanako@example.jp" in index.text
        [name] = [p.name for p in tmp_path.glob("*.eml")]
        text = await client.get(f"/dev/mailbox/{name}/text")
        assert "verify-email?token=t0k" in text.text
        html = await client.get(f"/dev/mailbox/{name}/html")
        assert "本人確認を完了する" in html.text
        assert (await client.get("/dev/mailbox/../../etc/passwd")).status_code == 404


def test_every_mail_template_renders_in_both_languages():
    from workers.rendering import render, template_names

    context = {
        "name": "鈴木 花子",
        "verify_url": "https://x/verify-email?token=t",
        "expires_hours": 24,
        "login_url": "https://x/login",
        "reset_url": "https://x/password-reset",
        "login_id": "a@b.jp",
        "reason": "<b>理由</b>",
        "code": "123456",
        "minutes": 10,
        "number": "000042",
        "category": "その他",
        "subject": "納期について",
        "body": "本文\n2行目",
        "answer": "回答です。",
        "email": "a@b.jp",
        "phone": "0312345678",
        "company_name": "株式会社テスト",
        "member": True,
        "company": "株式会社テスト",
        "inviter": "山田 太郎",
        "message": "よろしくお願いします",
        "accept_url": "https://x/accept-invitation?token=t",
        "days": 7,
        "applicant": "田中 一郎",
        "applicant_email": "t@e.jp",
        "users_url": "https://x/company/users",
        "fields": ["phone", "addressLine1"],
        "by": "山田 太郎",
        "store": {"name": "ストア", "support_email": "s@e.jp"},
        "locked_until": "2026-12-02 18:05",
        "change": "totp_enabled",
        "at": "2026-12-02 18:05",
        "ip_address": "203.0.113.7",
        # Invoices (issue 14).
        "invoice_number": "EC202612I00001",
        "period_start": "2026-11-01",
        "closing_date": "2026-11-30",
        "invoice_date": "2026-12-01",
        "due_date": "2026-12-30",
        "total": "1,100",
        # Contract applications and renewals (issue 13).
        "contract_number": "C0000001",
        "kind": "full_cancellation",
        "changes": [{"code": "z", "name": "Zoom", "from_quantity": 10, "to_quantity": 15}],
        "effective_date": "2027-01-31",
        "timing": "end_of_term",
        "url": "https://x/contracts/receipt?token=t",
        "term_end": "2027-03-31",
        "renews_on": "2027-04-01",
        "next_term_end": "2028-03-31",
        "days_overdue": 7,
        "outstanding": "1,100",
        # Payments (issue 12).
        "order_number": "EC2026120400001",
        "method": "bank_transfer",
        "amount": "11,000",
        "deadline": "2026-12-11",
        "received_on": "2026-12-08",
        "orders_url": "https://x/orders",
        "instructions": {
            "kind": "bank_transfer",
            "bankName": "みずほ銀行",
            "branchName": "梅田支店",
            "accountType": "普通",
            "accountNumber": "1234567",
            "accountHolder": "ﾄﾘﾋｷ",
            "deadline": "2026-12-11",
            "slipNumber": "123456789012",
            "paymentUrl": "https://x/sandbox/konbini/123456789012",
        },
    }
    for name in template_names():
        for language in ("ja", "en"):
            mail = render(name, language, context)
            assert mail.subject and mail.text.strip() and "<html" in mail.html
            # HTML escapes what the text keeps verbatim.
            if name == "registration_rejected":
                assert "<b>理由</b>" in mail.text and "&lt;b&gt;" in mail.html


async def test_models_have_their_migrations(rt):
    """A model change without `make migrations` fails here, not in production."""
    from tortoise import Tortoise
    from tortoise.migrations.autodetector import MigrationAutodetector

    from api.db import tortoise_config

    apps_dict = tortoise_config(rt.settings)["apps"]
    changes = await MigrationAutodetector(Tortoise.apps, apps_dict).changes()
    pending = [op for writer in changes for op in getattr(writer, "operations", [])]
    assert pending == [], f"models changed without a migration: {pending}"


def test_hand_built_mime_parses_back_exactly():
    from email import policy
    from email.parser import BytesParser

    from workers.rendering import RenderedMail, build_message

    rendered = RenderedMail(
        subject="【テストストア】本人確認のお願い" * 4,  # long: must fold, still decode
        text="鈴木 花子 様\n" + "あ" * 500 + "\nhttps://x/verify-email?token=abc\n",
        html="<p>鈴木 花子 様</p>" + "<b>い</b>" * 300,
    )
    mail = build_message(
        rendered,
        sender="テストストア <shop@example.jp>",
        to="h@example.jp",
        message_id="0f0e",
        domain="torihiki",
    )
    assert mail.sender == "shop@example.jp" and mail.recipients == ("h@example.jp",)
    assert max(len(line) for line in mail.data.split(b"\r\n")) <= 998
    parsed = BytesParser(policy=policy.default).parsebytes(mail.data)
    assert parsed["Subject"] == rendered.subject
    assert parsed["From"].addresses[0].display_name == "テストストア"
    assert parsed["Message-ID"] == "<0f0e@torihiki>"
    assert parsed.get_body(("plain",)).get_content() == rendered.text
    assert parsed.get_body(("html",)).get_content() == rendered.html


def test_the_state_machine_document_is_generated_from_the_code():
    """docs/state-machines.md draws every StateMachine in api/ as the code has it; a new
    or changed machine fails here until `make state-diagrams` is run and committed."""
    from api.audit import diagrams

    current = diagrams.DOC.read_text(encoding="utf-8") if diagrams.DOC.exists() else ""
    assert current == diagrams.document(), "docs/state-machines.md is stale: make state-diagrams"
