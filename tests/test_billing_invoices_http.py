"""Invoices over HTTP: members read and download theirs, staff run, correct and collect.

Both backends. Charges enter through the ledger (the orders and contracts events call
`record_charge`); everything else goes through GraphQL documents, the PDF and CSV routes
and the SMTP sink, with time moved by the clock helper.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

from api import clock
from api.accounts.models import User, UserKind, UserStatus
from api.billing.models import Charge, Invoice, InvoicePayment
from api.billing.service import ChargeLine, record_charge
from api.billing.states import PaymentTerm
from api.companies.models import Company, CompanyRole
from api.db import unit_of_work
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from tests.conftest import body_text
from tests.helpers import seed
from tests.pdftools import pdf_text
from workers.jobs.billing import close_billing_periods

ME1 = PaymentTerm.MONTH_END_NEXT_MONTH_END

INVOICE_FIELDS = """
  id number status term termLabel periodStart closingDate invoiceDate dueDate companyId
  issuer { name addressLines registrationNumber }
  recipient { name department postalCode prefecture addressLine1 }
  lines { position description code baseDate quantity unitPrice { amount } amount { amount }
          taxRatePercent reducedRate }
  perRate { ratePercent reduced base { amount } tax { amount } }
  subtotal { amount } taxTotal { amount } total { amount currency } paidAmount { amount }
  paidAt voidedAt voidReason replacesId lineCount
"""

LIST_FIELDS = INVOICE_FIELDS.replace(
    """  lines { position description code baseDate quantity unitPrice { amount } amount { amount }
          taxRatePercent reducedRate }
""",
    "",
)
INVOICES = (
    "query Invoices($first: Int, $after: String, $filter: InvoiceFilter) {"
    " invoices(first: $first, after: $after, filter: $filter) {"
    " totalCount pageInfo { hasNextPage endCursor } edges { node { " + LIST_FIELDS + " } } } }"
)
INVOICE = (
    "query Invoice($id: ID!) { node(id: $id) { ... on Invoice { "
    + INVOICE_FIELDS
    + " pdf { url expiresAt } } } }"
)

RUNS = """
query Runs($filter: BillingRunFilter) {
  billingRuns(first: 10, filter: $filter) {
    totalCount
    edges { node { id status trigger asOf periodsDue periodsDone invoicesMade percent
                   amountTotal { amount } failures { account companyId term closingDate code reason }
                   startedAt finishedAt } }
  }
}"""

CLOSE = """
mutation Close($input: CloseBillingPeriodsInput!) {
  closeBillingPeriods(input: $input) {
    run { id status trigger periodsDue invoicesMade amountTotal { amount } failures { code } }
    userErrors { field code message params }
  }
}"""

PAY = """
mutation Pay($input: RecordInvoicePaymentInput!) {
  recordInvoicePayment(input: $input) {
    invoice { id status paidAmount { amount } paidAt }
    userErrors { field code message params }
  }
}"""

VOID = """
mutation Void($input: VoidInvoiceInput!) {
  voidInvoice(input: $input) {
    voided { id number status voidReason voidedAt total { amount } }
    correction { id number status replacesId closingDate dueDate total { amount }
                 recipient { name } lines { description amount { amount } } }
    userErrors { field code message params }
  }
}"""


async def member() -> User:
    return await User.get(email=DEMO_MEMBER_EMAIL)


async def charge(cid: int, base: date, key: str, lines: list[ChargeLine], term=ME1):  # noqa: ANN001, ANN201
    async with unit_of_work():
        return await record_charge(
            company_id=cid,
            term=term,
            base_date=base,
            source_type="order_shipment",
            source_id=key,
            lines=lines,
        )


def travel_to(day: date, hour: int = 1) -> None:
    """Move the clock to `hour` o'clock Tokyo on `day`."""
    target = datetime(day.year, day.month, day.day, hour, tzinfo=clock.TOKYO)
    clock.travel((target - clock.now()).total_seconds())


async def other_company_member() -> User:
    demo = await member()
    company = await Company.create(name="株式会社ライバル", billing_name="株式会社ライバル")
    return await User.create(
        kind=UserKind.MEMBER,
        status=UserStatus.ACTIVE,
        email="rival@example.jp",
        password_hash=demo.password_hash,
        company=company,
        family_name="佐藤",
        given_name="次郎",
        role_key="administrator",
        email_verified_at=clock.now(),
        approved_at=clock.now(),
    )


async def colleague(permissions: list[str], email: str) -> User:
    demo = await member()
    role = await CompanyRole.create(
        company_id=demo.company_id, name=email[:60], permissions=permissions
    )
    return await User.create(
        kind=UserKind.MEMBER,
        status=UserStatus.ACTIVE,
        email=email,
        password_hash=demo.password_hash,
        company_id=demo.company_id,
        family_name="鈴木",
        given_name="花子",
        role_key=f"custom:{role.id}",
        email_verified_at=clock.now(),
        approved_at=clock.now(),
    )


def codes(data: dict, name: str) -> list[str]:
    return [e["code"] for e in data[name]["userErrors"]]


async def test_a_member_gets_one_invoice_after_the_closing_date_reads_and_downloads_it(
    gql, http, rt, settings
):
    await seed(settings)
    me = await member()
    today = clock.business_today()
    await charge(me.company_id, today, "INV:1", [ChargeLine("部品A", 3, 105, code="P-A")])
    await charge(me.company_id, today, "INV:2", [ChargeLine("部品A", 3, 105, code="P-A")])
    await charge(me.company_id, today, "INV:3", [ChargeLine("緑茶", 2, 540, "reduced")])
    closing = date(today.year, today.month, 28) + timedelta(days=4)
    closing = closing.replace(day=1) - timedelta(days=1)  # this month's last day

    # Before the closing date nothing is due; the day after, the cron run bills it.
    await close_billing_periods({"rt": rt})
    await gql.run_worker()
    assert await Invoice.all().count() == 0
    travel_to(closing + timedelta(days=1))
    await close_billing_periods({"rt": rt})
    await gql.run_worker()
    [invoice] = await Invoice.all()
    token = await gql.login(DEMO_MEMBER_EMAIL)
    page = await gql(INVOICES, {"first": 10}, token=token)
    assert page["invoices"]["totalCount"] == 1
    node = page["invoices"]["edges"][0]["node"]
    assert node["number"] == invoice.number and node["status"] == "ISSUED"
    assert node["closingDate"] == closing.isoformat()
    assert node["recipient"]["name"] == invoice.recipient["name"]
    assert node["issuer"]["registrationNumber"] == "T9876543210987"
    # Tax once per rate: 6 × ¥105 = ¥630 → ¥63 (per line it would be ¥62).
    assert node["perRate"] == [
        {"ratePercent": 10, "reduced": False, "base": {"amount": 630}, "tax": {"amount": 63}},
        {"ratePercent": 8, "reduced": True, "base": {"amount": 1080}, "tax": {"amount": 86}},
    ]
    assert node["total"] == {"amount": 1859, "currency": "JPY"}
    assert node["lineCount"] == 3

    # The invoice mail arrived at the company's administrator.
    [mail] = [m for m in gql.inbox.to(DEMO_MEMBER_EMAIL) if invoice.number in m["Subject"]]
    assert "1,859円" in body_text(mail)

    # The PDF by signed link: a qualified invoice.
    detail = (await gql(INVOICE, {"id": node["id"]}, token=token))["node"]
    assert [line["reducedRate"] for line in detail["lines"]] == [False, False, True]
    parts = urlsplit(detail["pdf"]["url"])
    response = await http.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        "請求書",
        invoice.number,
        "御中",
        invoice.recipient["name"],
        "登録番号: T9876543210987",
        "対象期間",
        "部品A",
        "緑茶 ※",
        "10%対象",
        "8%対象※",
        "¥630",
        "¥63",
        "¥1,080",
        "¥86",
        "¥1,859",
        "お支払期限",
    ):
        assert expected in text, expected
    forged = re.sub(r"s=[0-9a-f]{4}", "s=0000", f"{parts.path}?{parts.query}")
    assert (await http.get(forged)).status_code == 403
    clock.travel(301)
    assert (await http.get(f"{parts.path}?{parts.query}")).status_code == 410


async def test_who_reads_which_invoices_and_the_list_costs_the_same_sql(gql, rt, settings, sql):
    from api.actor import Actor
    from api.billing.service import close_due_periods

    await seed(settings)
    me = await member()
    await charge(me.company_id, date(2025, 9, 3), "S:0", [ChargeLine("品", 1, 1000)])
    await close_due_periods(rt, Actor.for_system(), as_of=date(2025, 10, 1))
    token = await gql.login(DEMO_MEMBER_EMAIL)
    with sql() as one:
        page = await gql(INVOICES, {"first": 10}, token=token)
    assert page["invoices"]["totalCount"] == 1
    for month in range(10, 13):
        lines = [ChargeLine(f"品{i}", 1, 1000 + i) for i in range(month - 8)]
        await charge(me.company_id, date(2025, month, 3), f"S:{month}", lines)
    await close_due_periods(rt, Actor.for_system(), as_of=date(2026, 1, 5))
    with sql() as many:
        page = await gql(INVOICES, {"first": 10}, token=token)
    nodes = [e["node"] for e in page["invoices"]["edges"]]
    assert page["invoices"]["totalCount"] == 4
    assert [n["closingDate"] for n in nodes] == [
        "2025-12-31",
        "2025-11-30",
        "2025-10-31",
        "2025-09-30",
    ]
    assert many.count == one.count, (one.statements, many.statements)
    first_id = nodes[-1]["id"]

    # Another company's member sees none of them, by list or by ID.
    await other_company_member()
    rival = await gql.login("rival@example.jp")
    assert (await gql(INVOICES, {}, token=rival))["invoices"]["totalCount"] == 0
    assert (await gql(INVOICE, {"id": first_id}, token=rival))["node"] is None
    # A user of the company without view_invoices is refused, with a code.
    blind = await colleague(["view_orders"], "blind@example.jp")
    blind_token = await gql.login(blind.email)
    refused = await gql(INVOICES, {}, token=blind_token, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(INVOICE, {"id": first_id}, token=blind_token))["node"] is None
    viewer = await colleague(["view_invoices"], "viewer@example.jp")
    viewer_token = await gql.login(viewer.email)
    assert (await gql(INVOICES, {}, token=viewer_token))["invoices"]["totalCount"] == 4
    anonymous = await gql(INVOICES, {}, token="", expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    # Staff list every company's, filtered by period, status and company.
    await charge(
        (await User.get(email="rival@example.jp")).company_id,
        date(2025, 12, 2),
        "S:rival",
        [ChargeLine("品", 1, 500)],
    )
    await close_due_periods(rt, Actor.for_system(), as_of=date(2026, 1, 5))
    staff = await gql.login(DEMO_STAFF_EMAIL)
    everything = await gql(INVOICES, {"first": 50}, token=staff)
    assert everything["invoices"]["totalCount"] == 5
    december = {"closingFrom": "2025-12-01", "closingTo": "2025-12-31"}
    assert (await gql(INVOICES, {"filter": december}, token=staff))["invoices"]["totalCount"] == 2
    mine = {"companyId": nodes[0]["companyId"], "status": "ISSUED"}
    assert (await gql(INVOICES, {"filter": mine}, token=staff))["invoices"]["totalCount"] == 4
    paid = await gql(INVOICES, {"filter": {"status": "PAID"}}, token=staff)
    assert paid["invoices"]["totalCount"] == 0
    # Hostile filters are coded, never internal errors.
    for bad in ({"companyId": "x" * 300}, {"companyId": nodes[0]["id"]}):
        answer = await gql(INVOICES, {"filter": bad}, token=staff, expect_errors=True)
        assert answer["errors"][0]["extensions"]["code"] in {"INVALID_ID", "NOT_FOUND"}, answer


async def test_staff_rerun_a_company_void_and_correct_record_payment_and_export(
    gql, http, rt, settings
):
    from api.actor import Actor
    from api.billing.service import close_due_periods

    await seed(settings)
    me = await member()
    rival = await other_company_member()
    await charge(me.company_id, date(2025, 11, 3), "V:1", [ChargeLine("部品", 2, 1000)])
    await charge(
        rival.company_id, date(2025, 11, 4), "V:2", [ChargeLine("=cmd|' /C calc'!A0", 1, 700)]
    )
    # The rival's data is broken: the run records the failure with a reason.
    await Charge.filter(business_key="order_shipment:V:2").update(lines=[{"amount": 1}])
    await close_due_periods(rt, Actor.for_system(), as_of=date(2025, 12, 1), trigger="cli")
    staff = await gql.login(DEMO_STAFF_EMAIL)
    runs = (await gql(RUNS, {}, token=staff))["billingRuns"]["edges"]
    run = runs[0]["node"]
    assert (run["status"], run["periodsDue"], run["periodsDone"], run["invoicesMade"]) == (
        "COMPLETED",
        2,
        2,
        1,
    )
    assert run["amountTotal"] == {"amount": 2200} and run["percent"] == 100.0
    [failure] = run["failures"]
    assert failure["code"] == "INTERNAL_ERROR" and "KeyError" in failure["reason"]
    assert failure["closingDate"] == "2025-11-30" and failure["term"] == "MONTH_END_NEXT_MONTH_END"

    # Fixed, then re-run for that company only.
    await Charge.filter(business_key="order_shipment:V:2").update(
        lines=[{"description": "=cmd|' /C calc'!A0", "code": "", "quantity": 1, "unit_price": 700,
                "amount": 700, "tax_category": "standard", "rate_percent": 10, "reduced": False}]
    )  # fmt: skip
    rerun = await gql(
        CLOSE,
        {"input": {"companyId": failure["companyId"], "date": "2025-12-01"}},
        token=staff,
    )
    assert rerun["closeBillingPeriods"]["userErrors"] == []
    assert rerun["closeBillingPeriods"]["run"]["invoicesMade"] == 1
    assert rerun["closeBillingPeriods"]["run"]["trigger"] == "staff"
    again = await gql(CLOSE, {"input": {"companyId": failure["companyId"]}}, token=staff)
    assert again["closeBillingPeriods"]["run"]["invoicesMade"] == 0
    for bad, code in (
        ({"companyId": "Q29tcGFueTo5OTk5OTk5"}, "NOT_FOUND"),
        ({"date": "2999-01-01"}, "OUT_OF_RANGE"),
    ):
        refused = await gql(CLOSE, {"input": bad}, token=staff)
        assert codes(refused, "closeBillingPeriods") == [code], refused

    # Void and correct: the billing address was wrong.
    mine = await Invoice.get(company_id=me.company_id)
    await Company.filter(id=me.company_id).update(billing_name="株式会社サンプル商事 経理課")
    gid = (await gql(INVOICES, {"filter": {"number": mine.number}}, token=staff))["invoices"][
        "edges"
    ][0]["node"]["id"]
    voided = await gql(
        VOID,
        {
            "input": {
                "invoiceId": gid,
                "reason": "請求先の誤り",
                "adjustments": [
                    {"description": "値引き", "quantity": 1, "unitPrice": 200, "credit": True}
                ],
            }
        },
        token=staff,
    )
    payload = voided["voidInvoice"]
    assert payload["userErrors"] == []
    assert (
        payload["voided"]["status"] == "VOID" and payload["voided"]["voidReason"] == "請求先の誤り"
    )
    correction = payload["correction"]
    assert correction["replacesId"] == gid and correction["number"] != mine.number
    assert correction["recipient"]["name"] == "株式会社サンプル商事 経理課"
    assert correction["total"] == {"amount": 1980}  # (2000 − 200) + 10 %
    assert correction["closingDate"] == "2025-11-30"
    # The voided invoice itself is unchanged but its status.
    old = await Invoice.get(id=mine.id)
    assert (old.total, old.recipient, old.lines) == (mine.total, mine.recipient, mine.lines)
    twice = await gql(VOID, {"input": {"invoiceId": gid, "reason": "x"}}, token=staff)
    assert codes(twice, "voidInvoice") == ["INVALID_STATUS"]
    for bad, code in (
        ({"reason": ""}, "REQUIRED"),
        ({"reason": "x" * 501}, "TOO_LONG"),
        ({"reason": "x", "adjustments": [{"description": "a", "quantity": 0, "unitPrice": 1}]},
         "OUT_OF_RANGE"),
        ({"reason": "x", "adjustments": [{"description": "a", "quantity": 1, "unitPrice": 1,
                                          "taxCategory": "luxury"}]}, "OUT_OF_RANGE"),
    ):  # fmt: skip
        refused = await gql(VOID, {"input": {"invoiceId": correction["id"], **bad}}, token=staff)
        assert codes(refused, "voidInvoice") == [code], refused
    nul = {"invoiceId": correction["id"], "reason": "x\x00"}
    refused = await gql(VOID, {"input": nul}, token=staff, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "INVALID_CHARACTERS"
    assert (await Invoice.get(number=correction["number"])).status == "issued"

    # A member can do none of this.
    token = await gql.login(DEMO_MEMBER_EMAIL)
    denied = await gql(VOID, {"input": {"invoiceId": correction["id"], "reason": "x"}}, token=token, expect_errors=True)  # fmt: skip
    assert denied["errors"][0]["extensions"]["code"] in {"FORBIDDEN", "UNAUTHENTICATED"}

    # Bank transfer recorded by staff: the outstanding amount exactly, once per reference.
    pay = {"invoiceId": correction["id"], "amount": 1980, "paidOn": "2025-12-20",
           "reference": "みずほ 2025-12-20 #0042"}  # fmt: skip
    wrong = await gql(PAY, {"input": {**pay, "amount": 1979}}, token=staff)
    assert codes(wrong, "recordInvoicePayment") == ["PAYMENT_AMOUNT_MISMATCH"]
    assert wrong["recordInvoicePayment"]["userErrors"][0]["params"] == {
        "amount": 1979,
        "outstanding": 1980,
    }
    for bad, code in (
        ({"reference": ""}, "REQUIRED"),
        ({"reference": "r" * 200}, "TOO_LONG"),
        ({"amount": 0}, "OUT_OF_RANGE"),
        ({"paidOn": "2999-01-01"}, "OUT_OF_RANGE"),
    ):
        refused = await gql(PAY, {"input": {**pay, **bad}}, token=staff)
        assert codes(refused, "recordInvoicePayment") == [code], refused
    done = await gql(PAY, {"input": pay}, token=staff)
    assert done["recordInvoicePayment"]["invoice"]["status"] == "PAID"
    replay = await gql(PAY, {"input": pay}, token=staff)
    assert replay["recordInvoicePayment"]["invoice"]["status"] == "PAID"
    assert await InvoicePayment.all().count() == 1
    on_voided = await gql(PAY, {"input": {**pay, "invoiceId": gid, "reference": "b"}}, token=staff)
    assert codes(on_voided, "recordInvoicePayment") == ["INVOICE_VOID"]

    # The accounting export: staff only, every invoice and its lines, formulas defused.
    response = await http.get("/billing/invoices.csv", headers={"Authorization": f"Bearer {staff}"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "invoice_number" and len(rows) == 1 + 3
    by_number = {r[0]: r for r in rows[1:]}
    assert by_number[mine.number][1] == "VOID" and by_number[correction["number"]][1] == "PAID"
    assert by_number[correction["number"]][rows[0].index("replaces")] == mine.number
    lines = await http.get(
        "/billing/invoices.csv?kind=lines&status=issued",
        headers={"Authorization": f"Bearer {staff}"},
    )
    line_rows = list(csv.reader(io.StringIO(lines.content.decode("utf-8-sig"))))
    assert [r[6] for r in line_rows[1:]] == ["'=cmd|' /C calc'!A0"]
    for query, status in (
        ("?kind=evil", 400),
        ("?from=2025-13-01", 400),
        ("?status=%00", 400),
        ("?company=" + "9" * 40, 404),
    ):
        bad = await http.get(
            f"/billing/invoices.csv{query}", headers={"Authorization": f"Bearer {staff}"}
        )
        assert bad.status_code == status, (query, bad.text)
    assert (await http.get("/billing/invoices.csv")).status_code == 401
    member_csv = await http.get(
        "/billing/invoices.csv", headers={"Authorization": f"Bearer {token}"}
    )
    assert member_csv.status_code == 403


async def test_overdue_invoices_get_reminders_on_the_days_the_store_names(gql, rt, settings):
    from api.actor import Actor
    from api.billing.invoices import mark_invoice_paid, mark_overdue_and_remind
    from api.billing.service import close_due_periods

    await seed(settings)
    me = await member()
    today = clock.business_today()
    await charge(me.company_id, today - timedelta(days=120), "O:1", [ChargeLine("品", 1, 1000)])
    await close_due_periods(rt, Actor.for_system(), as_of=today)
    [invoice] = await Invoice.all()
    assert invoice.due_date < today
    # The worker was down for weeks: one reminder (the latest due), not three.
    result = await mark_overdue_and_remind(rt)
    assert result == {"overdue": 1, "reminders": 1}
    assert (await Invoice.get(id=invoice.id)).status == "overdue"
    assert await mark_overdue_and_remind(rt) == {"overdue": 0, "reminders": 0}
    await gql.run_worker()
    reminders = [m for m in gql.inbox.to(DEMO_MEMBER_EMAIL) if "お支払期限" in m["Subject"]]
    assert len(reminders) == 1 and "1,100円" in body_text(reminders[0])
    # NP's payment notice marks it paid; a replay changes nothing.
    paid = await mark_invoice_paid(
        rt, invoice_number=invoice.number, amount=1100, paid_on=today, reference="NP-TX-1"
    )
    assert paid.status == "paid"
    again = await mark_invoice_paid(
        rt, invoice_number=invoice.number, amount=1100, paid_on=today, reference="NP-TX-1"
    )
    assert again.status == "paid" and await InvoicePayment.all().count() == 1
    token = await gql.login(DEMO_MEMBER_EMAIL)
    page = await gql(INVOICES, {"filter": {"status": "PAID"}}, token=token)
    assert page["invoices"]["edges"][0]["node"]["paidAmount"] == {"amount": 1100}
