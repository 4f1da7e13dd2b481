"""The shared PDF renderer: Japanese text that survives extraction, the qualified-invoice
fields, pagination, and hostile text that prints as text."""

from __future__ import annotations

from datetime import date

import pytest

from api.documents.fonts import register_font
from api.documents.pdf import (
    DocumentLine,
    IssuedDocument,
    Party,
    TaxSummaryRow,
    TotalRow,
    clean,
    issuer_party,
    render_pdf,
    wrap,
    yen,
)
from api.stores.policy import load_policy
from tests.pdftools import pdf_fonts, pdf_pages, pdf_text


def document(count: int = 3, **overrides: object) -> IssuedDocument:
    items = [
        DocumentLine(
            description=f"業務用コーヒー豆 ブレンド{i}",
            quantity=3,
            unit_price=1050,
            amount=3150,
            tax_rate_percent=8 if i % 2 else 10,
            reduced=bool(i % 2),
            details=("挽き方: 中挽き",),
            unit="袋",
        )
        for i in range(1, count + 1)
    ]
    data: dict[str, object] = {
        "title": "御見積書",
        "number": "EC20261203Q0001",
        "issue_date": date(2026, 12, 3),
        "issuer": issuer_party(load_policy("members-shop")),
        "recipient": Party(
            "株式会社テスト", ("〒150-0001 東京都渋谷区神宮前1-2-3", "鈴木 花子 様"), "御中"
        ),
        "lines": items,
        "tax_summary": [TaxSummaryRow(10, 3150, 315), TaxSummaryRow(8, 6300, 504, True)],
        "totals": [
            TotalRow("小計", 9450),
            TotalRow("クーポン値引", -500),
            TotalRow("消費税", 819),
            TotalRow("合計", 9769, emphasis=True),
        ],
        "headline_label": "御見積金額",
        "headline_amount": 9769,
        "meta": [("有効期限", "2026年12月17日")],
        "intro": "下記の通りお見積申し上げます。",
        "remarks": ["消費税は、ご注文手続き時点の税率が適用されます。"],
    }
    data.update(overrides)
    return IssuedDocument(**data)  # type: ignore[arg-type]


def test_the_text_comes_back_with_every_qualified_invoice_field() -> None:
    pdf = render_pdf(document())
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    for expected in (
        "御見積書",
        "EC20261203Q0001",
        "2026年12月3日",
        "株式会社テスト",
        "御中",
        "torihiki メンバーズショップ",
        f"登録番号: {load_policy('members-shop').billing.registration_number}",
        "業務用コーヒー豆 ブレンド1 ※",
        "挽き方: 中挽き",
        "3袋",
        "¥1,050",
        "8%※",
        "10%対象",
        "8%対象※",
        "¥504",
        "-¥500",
        "御見積金額",
        "¥9,769",
        "※は軽減税率(8%)対象です。",
        "有効期限",
    ):
        assert expected in text, expected


def test_the_japanese_font_is_embedded_as_a_subset() -> None:
    fonts = pdf_fonts(render_pdf(document()))
    rows = [line.split() for line in fonts.splitlines()[2:]]
    assert rows and all(r[0].endswith("+IPAexGothic") for r in rows), fonts
    assert all(r[-5:-3] == ["yes", "yes"] for r in rows), fonts  # emb, sub
    assert register_font() == "IPAexGothic"


def test_long_documents_paginate_and_the_same_input_gives_the_same_bytes() -> None:
    long = document(count=120)
    pdf = render_pdf(long)
    assert pdf == render_pdf(long)
    assert pdf_pages(pdf) >= 3
    text = pdf_text(pdf)
    assert text.count("品名") >= 3  # the header repeats on every page
    assert "ブレンド120" in text and "ページ 3" in text


@pytest.mark.parametrize(
    "hostile",
    [
        "<b>太字</b> &amp; <font size=99>x</font>",
        "制御\x00文字\x07\x1b[31m\u202e逆順",
        "長" * 5000,
        "W" * 3000,
        "改行\n\r\nだらけ\t\t",
        "",
        "😀🍣🇯🇵",
    ],
)
def test_hostile_text_prints_as_text(hostile: str) -> None:
    pdf = render_pdf(
        document(
            recipient=Party(hostile, (hostile,), "様"),
            lines=[DocumentLine(hostile, 1, 10**12, 10**12, 10, details=(hostile,), unit=hostile)],
            remarks=[hostile],
            number=hostile[:40],
        )
    )
    text = pdf_text(pdf)
    if hostile.startswith("<b>"):
        assert "<b>太字</b> &amp;" in text  # markup is not interpreted
    assert "\x00" not in text and "\x1b" not in text
    assert "¥1,000,000,000,000" in text


def test_helpers() -> None:
    assert yen(0) == "¥0" and yen(1234567) == "¥1,234,567" and yen(-500) == "-¥500"
    assert clean("a\x00b\u202ec\td") == "abc d"
    assert len(clean("x" * 10_000)) == 2000
    font = register_font()
    lines = wrap("あいうえお、かきくけこ。" * 10, font, 9, 100)
    assert all(not line.startswith(("、", "。")) for line in lines)
    assert "".join(lines) == "あいうえお、かきくけこ。" * 10


def test_issuer_from_each_profile() -> None:
    for profile in ("members-shop", "saas-b2b", "goods-b2c"):
        party = issuer_party(load_policy(profile))
        assert party.name and party.registration_number.startswith("T")
        assert len(party.registration_number) == 14
