"""Validation and normalisation of Japanese contact data shared by every form."""

from __future__ import annotations

import re
import unicodedata

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
# Katakana, the long-vowel mark, middle dot and spaces (full and half width).
_KANA = re.compile(r"^[\u30A0-\u30FF\u3000 ー・]+$")

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)  # fmt: skip


def nfkc(value: str) -> str:
    """Full-width digits and letters to half-width, half-width kana to full-width."""
    return unicodedata.normalize("NFKC", value).strip()


def normalize_email(value: str) -> str:
    return nfkc(value).lower()


def is_valid_email(value: str) -> bool:
    return len(value) <= 254 and bool(_EMAIL.match(value))


def normalize_kana(value: str) -> str:
    """Hiragana becomes katakana so either input is accepted and stored alike."""
    value = nfkc(value)
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in value)


def is_kana(value: str) -> bool:
    return bool(_KANA.match(value))


def normalize_postal_code(value: str) -> str | None:
    """'１２３－４５６７', '1234567', '〒123-4567' -> '123-4567'; None when invalid."""
    digits = re.sub(r"[\s〒\-‐－ー−]", "", nfkc(value))
    if not re.fullmatch(r"\d{7}", digits):
        return None
    return f"{digits[:3]}-{digits[3:]}"


def normalize_phone(value: str) -> str | None:
    """Japanese phone numbers are stored as digits only; hyphens are optional on input."""
    digits = re.sub(r"[\s\-‐－ー−()（）]", "", nfkc(value))
    if not re.fullmatch(r"0\d{9,10}", digits):
        return None
    return digits
