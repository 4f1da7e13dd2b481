"""Cookie attributes follow where torihiki runs (issue 15): development on loopback http
gets cookies that scripts and browsers send back; production gets `__Host-` names."""

from __future__ import annotations

import pytest

from api.settings import CookieSameSite, Environment, Settings


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("base_url", "secure"),
    [
        ("http://127.0.0.1:8000", False),
        ("http://localhost:5173", False),
        ("http://[::1]:8000", False),
        ("https://localhost:8443", True),
        ("http://shop.example.jp", True),  # not loopback: never silently insecure
    ],
)
def test_secure_is_dropped_only_on_loopback_http_outside_production(base_url, secure) -> None:  # noqa: ANN001
    settings = _settings(public_base_url=base_url)
    assert settings.cookie_secure is secure
    assert settings.session_cookie_name == "torihiki_session"


def test_an_explicit_setting_wins() -> None:
    assert _settings(
        public_base_url="http://127.0.0.1:8000", session_cookie_secure=True
    ).cookie_secure
    assert not _settings(
        public_base_url="https://x.example", session_cookie_secure=False
    ).cookie_secure


def test_production_uses_host_prefixed_secure_cookies() -> None:
    settings = _settings(
        environment=Environment.PRODUCTION, public_base_url="https://shop.example.jp"
    )
    assert settings.cookie_secure is True
    assert settings.session_cookie_name == "__Host-torihiki_session"
    assert settings.trusted_browser_cookie_name == "__Host-torihiki_trusted_browser"
    # A name that already has the prefix is kept as it is.
    again = _settings(environment=Environment.PRODUCTION, session_cookie_name="__Host-s")
    assert again.session_cookie_name == "__Host-s"


def test_production_refuses_insecure_cookies() -> None:
    settings = _settings(environment=Environment.PRODUCTION, session_cookie_secure=False)
    with pytest.raises(RuntimeError, match="SESSION_COOKIE_SECURE"):
        settings.check_production()


def test_samesite_none_needs_secure() -> None:
    with pytest.raises(ValueError, match="SameSite|SAMESITE"):
        _settings(public_base_url="http://127.0.0.1:8000", session_cookie_samesite="none")
    ok = _settings(public_base_url="https://spa.example.jp", session_cookie_samesite="none")
    assert ok.session_cookie_samesite == CookieSameSite.NONE
