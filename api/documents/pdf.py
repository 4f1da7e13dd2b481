"""One PDF renderer for every issued document: 見積書, 納品書, 領収書, 請求書.

A domain builds an `IssuedDocument` from its own snapshot (never from live rows)
and calls `render_pdf(document) -> bytes`. The layout is the same for all of them:

    title                                           number / dates (`meta`)
    recipient (御中 / 様)                            issuer, address, 登録番号 T…
    intro text
    headline amount (御見積金額 ¥…)
    lines: No, description (options, ※ reduced rate), quantity, unit price, amount, rate
    totals (subtotal, discounts, shipping, tax, total)   per-rate summary (qualified invoice)
    remarks

The per-rate summary carries what a qualified invoice (適格請求書) must show: the
issuer's registration number, the reduced-rate mark per line, and per rate the
taxable amount and the tax (computed once per rate by api/money.py; this module
never computes money, it prints what it is given).

IPAex Gothic is embedded as a subset (api/documents/fonts.py), so the document looks
the same in every viewer and `pdftotext` gets the Japanese text back. User text is
escaped (reportlab's paragraphs are markup) and stripped of control characters.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from api.documents.fonts import register_font
from api.text import strip_forbidden

__all__ = [
    "DocumentLine",
    "IssuedDocument",
    "Party",
    "issuer_party",
    "TaxSummaryRow",
    "TotalRow",
    "render_pdf",
    "yen",
]


@dataclass(frozen=True)
class Party:
    """Who issues or receives the document, as printed."""

    name: str  # "株式会社サンプル" (the renderer adds the honorific)
    lines: Sequence[str] = ()  # postal code, address, department, person, phone …
    honorific: str = ""  # "御中" for a company, "様" for a person; issuer: ""
    registration_number: str = ""  # issuer: 適格請求書発行事業者登録番号 T + 13 digits


@dataclass(frozen=True)
class DocumentLine:
    description: str  # product name
    quantity: int
    unit_price: int  # yen, in the document's display basis
    amount: int  # yen, in the document's display basis (as computed by api/money)
    tax_rate_percent: int
    reduced: bool = False  # 軽減税率 (※)
    details: Sequence[str] = ()  # chosen options, desired start date …
    unit: str = ""  # 個, 式, ライセンス


@dataclass(frozen=True)
class TaxSummaryRow:
    """One rate's line of the qualified-invoice summary."""

    rate_percent: int
    base: int  # taxable amount of that rate (tax excluded)
    tax: int  # tax of that rate, rounded once
    reduced: bool = False


@dataclass(frozen=True)
class TotalRow:
    label: str
    amount: int  # negative for a discount (printed with a minus sign)
    emphasis: bool = False


@dataclass(frozen=True)
class IssuedDocument:
    title: str  # 御見積書
    number: str
    issue_date: date
    issuer: Party
    recipient: Party
    lines: Sequence[DocumentLine]
    tax_summary: Sequence[TaxSummaryRow]
    totals: Sequence[TotalRow]
    headline_label: str  # 御見積金額
    headline_amount: int
    prices_include_tax: bool = False  # are unit prices and amounts tax included?
    meta: Sequence[tuple[str, str]] = ()  # (label, value) under the number: 有効期限 …
    intro: str = ""  # 下記の通りお見積申し上げます。
    remarks: Sequence[str] = ()
    language: str = "ja"
    labels: dict[str, str] = field(default_factory=dict)  # overrides of LABELS[language]


LABELS = {
    "ja": {
        "number": "番号",
        "issue_date": "発行日",
        "registration_number": "登録番号",
        "no": "No.",
        "description": "品名",
        "quantity": "数量",
        "unit_price": "単価",
        "amount": "金額",
        "rate": "税率",
        "incl": "税込",
        "excl": "税抜",
        "tax_summary": "税率別内訳",
        "rate_class": "税率区分",
        "base": "対象金額(税抜)",
        "tax": "消費税額",
        "reduced_note": "※は軽減税率(8%)対象です。",
        "remarks": "備考",
        "target": "対象",
        "page": "ページ",
    },
    "en": {
        "number": "Number",
        "issue_date": "Issued",
        "registration_number": "Registration No.",
        "no": "No.",
        "description": "Item",
        "quantity": "Qty",
        "unit_price": "Unit price",
        "amount": "Amount",
        "rate": "Tax",
        "incl": "tax incl.",
        "excl": "tax excl.",
        "tax_summary": "Tax by rate",
        "rate_class": "Rate",
        "base": "Taxable (excl.)",
        "tax": "Tax",
        "reduced_note": "※ reduced tax rate (8%).",
        "remarks": "Remarks",
        "target": "",
        "page": "Page",
    },
}

MAX_TEXT = 2000  # per printed string: a PDF is no place for a novel


def clean(text: str) -> str:
    """Printable text: NFC, no control or bidi characters, tabs and newlines as spaces."""
    text = unicodedata.normalize("NFC", str(text)).replace("\t", " ").replace("\r", "")
    text = strip_forbidden(text, keep_newlines=True)  # the one definition (api/text.py)
    return text[:MAX_TEXT]


def issuer_party(policy: Any, language: str = "ja") -> Party:
    """The store as issuer, from its profile's `[issuer]` (api.stores.policy.IssuerPolicy);
    the registration number is `[billing]`'s unless `[issuer]` names one."""
    issuer = policy.issuer
    name = issuer.name or (policy.name if language == "ja" else policy.name_en or policy.name)
    lines = []
    if issuer.postal_code or issuer.address:
        lines.append(
            f"〒{issuer.postal_code} {issuer.address}".strip()
            if issuer.postal_code
            else issuer.address
        )
    if issuer.phone:
        lines.append(f"TEL {issuer.phone}")
    if issuer.email:
        lines.append(issuer.email)
    registration = issuer.registration_number or policy.billing.registration_number
    return Party(name=name, lines=tuple(lines), registration_number=registration)


def yen(amount: int) -> str:
    return f"-¥{-amount:,}" if amount < 0 else f"¥{amount:,}"


def _date(value: date, language: str) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if language == "ja" else value.isoformat()


_NO_LINE_START = set("、。，．・：；？！）」』】〕｝〉》ー～…,.)]}:;!?%")


@lru_cache(maxsize=4096)
def _char_width(char: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(char, font, size)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break text into lines no wider than `width` points, anywhere (Japanese has no
    spaces), keeping closing punctuation off the start of a line (禁則)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current, used = "", 0.0
        for char in paragraph:
            w = _char_width(char, font, size)
            if current and used + w > width and char not in _NO_LINE_START:
                lines.append(current)
                current, used = "", 0.0
            current += char
            used += w
        lines.append(current)
    return lines


MAX_DETAILS = 12  # option lines printed per document line
MAX_REMARKS = 20


def clip(lines: list[str], max_lines: int) -> list[str]:
    if len(lines) <= max_lines:
        return lines
    return [*lines[: max_lines - 1], lines[max_lines - 1][:-1] + "…"]


def render_pdf(doc: IssuedDocument) -> bytes:
    """The document as PDF bytes (A4 portrait, paginated, the font subset embedded).

    Cells are plain strings wrapped by `wrap` (reportlab's CJK paragraphs cost ~10 ms
    a cell, which made a 30-line quote take 0.4 s)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    font = register_font()
    labels = {**LABELS.get(doc.language, LABELS["ja"]), **doc.labels}
    grid = colors.HexColor("#999999")
    shade = colors.HexColor("#EEEEEE")
    width = A4[0] - 30 * mm
    pad = 6  # points of left + right cell padding

    def text(value: str, size: float, cell_width: float, max_lines: int = 3) -> str:
        # Bounded: a cell cannot split across pages, so no text may outgrow one.
        return "\n".join(clip(wrap(clean(value), font, size, cell_width - pad), max_lines))

    def table(
        rows: list[list[object]],
        widths: list[float],
        *commands: tuple,
        size: float = 9,
        **kw: object,
    ) -> Table:
        base = [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), size),
            ("LEADING", (0, 0), (-1, -1), size * 1.3),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("LEFTPADDING", (0, 0), (-1, -1), pad / 2),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad / 2),
        ]
        return Table(rows, colWidths=widths, style=TableStyle([*base, *commands]), **kw)

    story: list[object] = []
    story.append(
        table(
            [[text(doc.title, 18, width, 1)]],
            [width],
            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
            size=18,
        )
    )
    story.append(Spacer(1, 5 * mm))

    # Recipient (left); number, dates and issuer (right).
    left_w, right_w = width - 84 * mm, 84 * mm
    name = f"{doc.recipient.name}　{doc.recipient.honorific}".strip()
    recipient_rows = [[text(name, 12, left_w)]]
    recipient_rows += [[text(line, 9, left_w)] for line in list(doc.recipient.lines)[:8]]
    if doc.intro:
        recipient_rows.append([text(doc.intro, 9, left_w, 4)])
    recipient = table(
        recipient_rows,
        [left_w],
        ("FONTSIZE", (0, 0), (0, 0), 12),
        ("LEADING", (0, 0), (0, 0), 15),
        ("LINEBELOW", (0, 0), (0, 0), 0.8, colors.black),
        *([("TOPPADDING", (0, len(recipient_rows) - 1), (0, -1), 8)] if doc.intro else []),
    )
    meta_rows = [
        (labels["number"], doc.number),
        (labels["issue_date"], _date(doc.issue_date, doc.language)),
        *doc.meta,
    ]
    meta = table(
        [[text(k, 8, 28 * mm, 2), text(v, 8, 56 * mm, 2)] for k, v in meta_rows[:12]],
        [28 * mm, 56 * mm],
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, grid),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        size=8,
    )
    issuer_rows = [[text(doc.issuer.name, 10.5, right_w)]]
    issuer_rows += [[text(line, 8, right_w)] for line in list(doc.issuer.lines)[:8]]
    if doc.issuer.registration_number:
        registration = f"{labels['registration_number']}: {doc.issuer.registration_number}"
        issuer_rows.append([text(registration, 8, right_w)])
    issuer = table(
        issuer_rows,
        [right_w],
        ("FONTSIZE", (0, 0), (0, 0), 10.5),
        ("LEADING", (0, 0), (0, 0), 13),
        ("TOPPADDING", (0, 0), (0, 0), 6),
        size=8,
    )
    story.append(
        table(
            [[recipient, [meta, issuer]]],
            [left_w, right_w],
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        )
    )
    story.append(Spacer(1, 4 * mm))

    # Headline amount.
    story.append(
        table(
            [[text(doc.headline_label, 11, 45 * mm, 1), yen(doc.headline_amount)]],
            [45 * mm, 60 * mm],
            ("FONTSIZE", (1, 0), (1, 0), 15),
            ("LEADING", (1, 0), (1, 0), 18),
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("LINEBELOW", (0, 0), (-1, -1), 1.2, colors.black),
            size=11,
            hAlign="LEFT",
        )
    )
    story.append(Spacer(1, 5 * mm))

    # Lines: the header repeats on every page.
    basis = labels["incl"] if doc.prices_include_tax else labels["excl"]
    widths = [9 * mm, 0.0, 20 * mm, 27 * mm, 29 * mm, 14 * mm]
    widths[1] = width - sum(widths)
    rows: list[list[object]] = [
        [
            labels["no"],
            labels["description"],
            labels["quantity"],
            f"{labels['unit_price']}({basis})",
            f"{labels['amount']}({basis})",
            labels["rate"],
        ]
    ]
    for i, line in enumerate(doc.lines, 1):
        description = clean(line.description) + (" ※" if line.reduced else "")
        cell = clip(wrap(description, font, 9, widths[1] - pad), 4)
        for detail in list(line.details)[:MAX_DETAILS]:
            cell += clip(wrap("　" + clean(detail), font, 9, widths[1] - pad), 2)
        rows.append(
            [
                str(i),
                "\n".join(cell),
                text(f"{line.quantity:,}{clean(line.unit)[:8]}", 9, widths[2], 2),
                yen(line.unit_price),
                yen(line.amount),
                f"{line.tax_rate_percent}%" + ("※" if line.reduced else ""),
            ]
        )
    story.append(
        table(
            rows,
            widths,
            ("GRID", (0, 0), (-1, -1), 0.3, grid),
            ("BACKGROUND", (0, 0), (-1, 0), shade),
            ("FONTSIZE", (0, 0), (-1, 0), 7.5),
            ("ALIGN", (0, 1), (0, -1), "RIGHT"),
            ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
            repeatRows=1,
        )
    )
    story.append(Spacer(1, 4 * mm))

    # Per-rate summary (left) and totals (right).
    summary: list[list[object]] = [[labels["rate_class"], labels["base"], labels["tax"]]]
    for row in doc.tax_summary:
        rate_name = f"{row.rate_percent}%{labels['target']}" + ("※" if row.reduced else "")
        summary.append([rate_name, yen(row.base), yen(row.tax)])
    left: list[object] = [
        table([[labels["tax_summary"]]], [80 * mm], size=8),
        table(
            summary,
            [24 * mm, 30 * mm, 26 * mm],
            ("GRID", (0, 0), (-1, -1), 0.3, grid),
            ("BACKGROUND", (0, 0), (-1, 0), shade),
            ("FONTSIZE", (0, 0), (-1, 0), 7.5),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            hAlign="LEFT",
        ),
    ]
    if any(r.reduced for r in doc.tax_summary) or any(line.reduced for line in doc.lines):
        left.append(table([[labels["reduced_note"]]], [80 * mm], size=7.5))
    totals = [[text(t.label, 9, 42 * mm, 2), yen(t.amount)] for t in doc.totals] or [["", ""]]
    emphasis = [
        cmd
        for i, t in enumerate(doc.totals)
        if t.emphasis
        for cmd in (
            ("FONTSIZE", (0, i), (-1, i), 11),
            ("LEADING", (0, i), (-1, i), 14),
            ("LINEABOVE", (0, i), (-1, i), 0.8, colors.black),
        )
    ]
    totals_table = table(
        totals,
        [42 * mm, 34 * mm],
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, grid),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        *emphasis,
    )
    story.append(
        table(
            [[left, totals_table]],
            [width - 76 * mm, 76 * mm],
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        )
    )

    if doc.remarks:
        story.append(Spacer(1, 5 * mm))
        story.append(table([[labels["remarks"]]], [width], size=8))
        remark_rows = [[text(r, 9, width, 8)] for r in list(doc.remarks)[:MAX_REMARKS]]
        story.append(table(remark_rows, [width], ("BOX", (0, 0), (-1, -1), 0.3, grid)))

    footer = f"{clean(doc.number)[:64]}  {labels['page']} "

    def on_page(canvas: Any, template: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 7)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, footer + str(canvas.getPageNumber()))
        canvas.restoreState()

    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=18 * mm,
        title=clean(f"{doc.title} {doc.number}"),
        author=clean(doc.issuer.name),
        subject=clean(doc.title),
        creator="torihiki",
        initialFontName=font,  # no unembedded Helvetica resource in the file
        initialFontSize=9,
        invariant=True,  # same input, same bytes (no timestamp, no random document id)
    )
    template.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return out.getvalue()
