"""Table and property tests for the rules the forms apply."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.accounts.passwords import check_password
from api.errors import Problems
from api.graphql.errors import ErrorCode
from api.i18n import MESSAGES, message, pick_language
from api.stores.policy import load_policy, shipped_profiles
from api.validation import (
    is_kana,
    normalize_email,
    normalize_kana,
    normalize_phone,
    normalize_postal_code,
)


def codes(profile: str, password: str, email: str = "taro@example.jp") -> set[str]:
    problems = Problems()
    check_password(load_policy(profile).password, password, email, problems)
    return {p.code for p in problems.items}


@pytest.mark.parametrize(
    ("profile", "password", "expected"),
    [
        # members-shop: 6-20 half-width letters, digits and symbols, no char 3 times in a row
        ("members-shop", "abc12", {"PASSWORD_TOO_SHORT"}),
        ("members-shop", "abc12x", set()),
        ("members-shop", "a" * 21, {"PASSWORD_TOO_LONG", "PASSWORD_REPEATED_CHARACTERS"}),
        ("members-shop", "abcdefghij0123456789", set()),
        ("members-shop", "ab111cd", {"PASSWORD_REPEATED_CHARACTERS"}),
        ("members-shop", "ab11cd", set()),
        ("members-shop", "ｐａｓｓ１２３", {"PASSWORD_INVALID_CHARACTERS"}),
        ("members-shop", "パスワード12", {"PASSWORD_INVALID_CHARACTERS"}),
        ("members-shop", "Password", {"PASSWORD_TOO_COMMON"}),
        # saas-b2b: 8+, two character classes
        ("saas-b2b", "kumosora", {"PASSWORD_TOO_SIMPLE"}),
        ("saas-b2b", "kumo-sora", set()),
        ("saas-b2b", "taro@example.jp1", {"PASSWORD_CONTAINS_EMAIL"}),
        ("saas-b2b", "xx-taro-2026", {"PASSWORD_CONTAINS_EMAIL"}),
        # goods-b2c: the secure default, any characters
        ("goods-b2c", "日本語のパスワード", set()),
        ("goods-b2c", "kumo12", {"PASSWORD_TOO_SHORT"}),
        ("goods-b2c", "12345678", {"PASSWORD_TOO_COMMON"}),
    ],
)
def test_password_rules_of_each_store(profile, password, expected):
    assert codes(profile, password) == expected


def test_every_shipped_profile_loads_and_unknown_is_refused():
    assert shipped_profiles() == ["goods-b2c", "members-shop", "saas-b2b"]
    with pytest.raises(ValueError, match="unknown store profile"):
        load_policy("nope")


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789!#-_", min_size=6, max_size=20))
def test_members_shop_accepts_exactly_the_documented_rule(password):
    run = max(len(password) - len(password.lstrip(password[0])), 1)
    longest = 1
    current = 1
    for a, b in zip(password, password[1:], strict=False):
        current = current + 1 if a == b else 1
        longest = max(longest, current)
    got = codes("members-shop", password, email="")
    if longest >= 3:
        assert "PASSWORD_REPEATED_CHARACTERS" in got
    else:
        assert got <= {"PASSWORD_TOO_COMMON"}
    assert run >= 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("123-4567", "123-4567"),
        ("1234567", "123-4567"),
        ("〒１２３－４５６７", "123-4567"),
        ("123 4567", "123-4567"),
        ("12-34567", "123-4567"),
        ("123456", None),
        ("abc-defg", None),
    ],
)
def test_postal_codes(raw, expected):
    assert normalize_postal_code(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("03-1234-5678", "0312345678"),
        ("090-1234-5678", "09012345678"),
        ("０３（１２３４）５６７８", "0312345678"),
        ("0312345678", "0312345678"),
        ("12345", None),
        ("+81-3-1234-5678", None),
        ("031234567890", None),
    ],
)
def test_phone_numbers(raw, expected):
    assert normalize_phone(raw) == expected


@given(st.from_regex(r"0[1-9][0-9]{8,9}", fullmatch=True))
def test_phone_hyphens_are_optional(digits):
    hyphenated = f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    assert normalize_phone(hyphenated) == normalize_phone(digits) == digits


def test_kana():
    assert normalize_kana("すずき はなこ") == "スズキ ハナコ"
    assert normalize_kana("ｽｽﾞｷ") == "スズキ"
    assert is_kana("スズキ・ハナコー")
    assert not is_kana("鈴木")
    assert not is_kana("suzuki")


@given(st.emails())
def test_email_normalisation_is_idempotent(email):
    once = normalize_email(email)
    assert normalize_email(once) == once


def test_every_error_code_speaks_both_languages():
    assert {c.name for c in ErrorCode} == set(MESSAGES)
    for code, texts in MESSAGES.items():
        assert texts.get("ja") and texts.get("en"), code
    assert message("TOO_LONG", "en", max=5) == "Enter at most 5 characters."
    assert message("TOO_LONG", "ja", max=5) == "5文字以内で入力してください。"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "ja"),
        ("en", "en"),
        ("en-US,en;q=0.9", "en"),
        ("fr, en;q=0.5", "en"),
        ("ja,en;q=0.8", "ja"),
        ("en;q=0.1, ja;q=0.9", "ja"),
        ("de", "ja"),
        ("garbage;q=x", "ja"),
    ],
)
def test_language_negotiation(header, expected):
    assert pick_language(header) == expected
