"""Runtime settings.

Every knob has an environment variable (the field name in upper case) and a
default that is safe for the embedded profile. `Settings.check_production()`
refuses to start a production process that still carries a dev default for a
secret, so a forgotten variable fails loudly instead of silently.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - the sentinel we refuse in production
# The sandbox processor's webhook secret in development and tests; refused in production.
DEV_PAYMENT_WEBHOOK_SECRET = "sandbox-webhook-secret-change-me"  # noqa: S105


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class IntrospectionPolicy(StrEnum):
    ON = "on"
    STAFF = "staff"
    OFF = "off"


class WithdrawalPersonalData(StrEnum):
    """What completing a withdrawal does with the member's personal data."""

    ANONYMIZE = "anonymize"  # names, contact data and address replaced, email freed
    KEEP = "keep"  # the account is closed, its data stays as it was


class CookieSameSite(StrEnum):
    LAX = "lax"
    STRICT = "strict"
    NONE = "none"


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
HOST_PREFIX = "__Host-"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    debug: bool = False
    secret_key: str = DEV_SECRET_KEY
    log_level: str = "INFO"
    log_json: bool = False

    # Persistence and queue. An empty REDIS_URL selects the in-process fakeredis.
    # An empty DATABASE_URL is one SQLite file per store profile (var/<profile>.sqlite3),
    # so switching STORE_PROFILE in development never mixes one store's data into another.
    database_url: str = ""
    redis_url: str = ""
    db_pool_max: int = 10

    # Mail. The embedded profile starts an SMTP sink on smtp_host:smtp_port itself.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    smtp_use_tls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "torihiki <no-reply@torihiki.localhost>"
    embedded_smtp_sink: bool = True
    # Run the arq worker inside the API process (embedded profile only: needs fakeredis).
    embedded_worker: bool = True
    mailbox_dir: Path = Path("var/mailbox")

    # Where links in emails point (the SPA); paths are appended to it.
    public_base_url: str = "http://127.0.0.1:8000"
    http_host: str = "127.0.0.1"
    http_port: int = 8000

    # The store this process runs: a profile name shipped in api/stores/profiles
    # or a path to a TOML file.
    store_profile: str = "saas-b2b"

    # GraphQL abuse limits. Each is on by default.
    graphql_max_depth: int = 10
    graphql_max_aliases: int = 15
    graphql_max_tokens: int = 2000
    graphql_max_comments: int = 500
    graphql_max_cost: int = 5000
    graphql_max_fragment_spreads: int = 500
    graphql_max_errors: int = 20
    graphql_max_batch: int = 10
    graphql_max_body_bytes: int = 200_000
    graphql_cache_size: int = 512
    # Anonymous catalog answers are cached per process until the next catalog write,
    # and at most this long (scheduled availability windows show this late). 0: off.
    catalog_cache_seconds: float = 30.0
    graphiql: bool | None = None  # None: on outside production
    introspection: IntrospectionPolicy | None = None  # None: on outside production, else staff

    # Passwords (argon2id). The default is OWASP's first recommended configuration
    # (19 MiB, 2 passes, 1 lane): ~47 ms a hash here. Hashes carry their parameters, so
    # raising the cost later re-hashes each password at its owner's next sign-in.
    argon2_time_cost: int = 2
    argon2_memory_cost_kib: int = 19456
    argon2_parallelism: int = 1

    # Tokens and sessions.
    email_token_ttl_minutes: int = 60 * 24
    session_idle_minutes: int = 60 * 24 * 7
    session_absolute_days: int = 30
    # Production names both cookies with the `__Host-` prefix (Secure, Path=/, no Domain:
    # no subdomain can plant or overwrite them). SESSION_COOKIE_SECURE unset: Secure,
    # except outside production on a loopback http:// PUBLIC_BASE_URL, where browsers
    # and scripts would otherwise never send it back. SameSite=None is for an SPA on
    # another site (it needs Secure; the Origin check and CORS apply as always).
    session_cookie_name: str = "torihiki_session"
    session_cookie_secure: bool | None = None
    session_cookie_samesite: CookieSameSite = CookieSameSite.LAX
    allowed_origins: list[str] = Field(default_factory=list)

    # Sign-in security.
    # Password guessing locks the account for a while, never for good: every
    # LOCK_AFTER_FAILURES-th wrong password in a row locks sign-in for LOCK_MINUTES_FIRST,
    # doubling with each further lock up to LOCK_MINUTES_MAX (5, 10, 20, 40, 60, 60, ...).
    # A right password after the lock, a password reset or staff end it. 0: never lock.
    lock_after_failures: int = 10
    lock_minutes_first: int = 5
    lock_minutes_max: int = 60
    # Step-up: enrolling TOTP, granting a role and revoking trusted browsers need the
    # password again unless the session proved it (sign-in or step-up) this recently.
    reauthentication_minutes: int = 10
    login_challenge_minutes: int = 10  # time to complete the second factor
    two_factor_code_minutes: int = 10  # life of an emailed 6-digit code
    two_factor_max_attempts: int = 5  # wrong codes before a challenge dies
    two_factor_code_send_limit: int = 3  # code mails per challenge window
    trusted_browser_days: int = 30
    trusted_browser_cookie_name: str = "torihiki_trusted_browser"
    backup_code_low_threshold: int = 3  # warn when this few are left
    password_reset_minutes: int = 30
    email_change_minutes: int = 60 * 24
    password_reset_limit_per_account: int = 3
    password_reset_limit_per_ip: int = 20
    password_reset_window_seconds: int = 3600

    # Rate limits: attempts per window.
    resend_verification_limit: int = 3
    resend_verification_window_seconds: int = 600
    registration_limit_per_ip: int = 10
    registration_window_seconds: int = 3600
    login_limit_per_account: int = 10
    login_limit_per_ip: int = 50
    login_window_seconds: int = 900
    inquiry_limit_per_ip: int = 10
    inquiry_limit_per_email: int = 5
    inquiry_window_seconds: int = 3600

    # Withdrawal (退会): personal data of a closed account. Ids stay, so orders keep
    # their customer for accounting whichever is chosen.
    withdrawal_personal_data: WithdrawalPersonalData = WithdrawalPersonalData.ANONYMIZE

    # Outbox delivery. Temporary failures (network, SMTP 4xx) retry with capped
    # exponential backoff until the horizon, like a mail server's queue; permanent
    # ones (5xx) fail at once. docs/settings.md explains each.
    outbox_max_attempts: int = 100
    outbox_retry_base_seconds: float = 5.0
    outbox_retry_max_delay_seconds: float = 1800.0
    outbox_retry_horizon_seconds: int = 24 * 3600
    # Must stay above mail_job_timeout_seconds: a claim older than this is one whose
    # worker died, never one still sending (the job is cancelled at its timeout).
    outbox_stale_seconds: int = 45
    outbox_sweep_batch: int = 500
    # A send_mail job (claim, render, SMTP, mark sent) is cancelled after this long.
    mail_job_timeout_seconds: float = 30.0
    # Marking a sent mail SENT is retried this long through a database blip.
    mail_mark_sent_retry_seconds: float = 10.0
    worker_concurrency: int = 50
    worker_health_check_seconds: int = 30
    # SIGTERM: the worker stops taking jobs and waits this long for running ones.
    worker_shutdown_wait_seconds: int = 40
    # /readyz gives each dependency this long to answer.
    readyz_timeout_seconds: float = 2.0
    # Redis lost: the worker retries with backoff from 0.5 s up to this, forever.
    worker_reconnect_max_delay_seconds: float = 10.0

    # Prometheus metrics (api/metrics.py). The API serves /metrics; in production only
    # with `Authorization: Bearer <METRICS_TOKEN>`, and not at all while that is empty.
    # `torihiki worker` serves its own on WORKER_METRICS_HOST:WORKER_METRICS_PORT (0: off).
    metrics_enabled: bool = True
    metrics_token: str = ""
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = 9101

    # Payments (api/payments, docs/payments.md). PAYMENT_PROVIDER names the card, konbini
    # and NP processor adapter: "sandbox" (a test processor, refused in production),
    # "none" (bank transfer only), or a real adapter's name. Unset: sandbox outside
    # production, none in production.
    payment_provider: str | None = None
    # HMAC-SHA256 secret of the processor's webhook calls, and how far their timestamp
    # may be from now (replayed old calls are refused).
    payment_webhook_secret: str = DEV_PAYMENT_WEBHOOK_SECRET
    payment_webhook_tolerance_seconds: int = 300
    # Where the sandbox delivers its webhook calls. Empty: handed to the same handler
    # inside the worker process (signature checked as over HTTP), so tests need no server.
    payment_sandbox_webhook_url: str = ""

    @model_validator(mode="after")
    def _database_per_profile(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite://var/{profile_slug(self.store_profile)}.sqlite3"
        return self

    @model_validator(mode="after")
    def _cookies(self) -> Settings:
        if self.is_production:
            for attr in ("session_cookie_name", "trusted_browser_cookie_name"):
                name = getattr(self, attr)
                if not name.startswith(HOST_PREFIX):
                    setattr(self, attr, HOST_PREFIX + name)
        if self.session_cookie_samesite == CookieSameSite.NONE and not self.cookie_secure:
            raise ValueError("SESSION_COOKIE_SAMESITE=none needs Secure cookies (HTTPS)")
        return self

    @property
    def cookie_secure(self) -> bool:
        """The `Secure` attribute of the session and trusted-browser cookies."""
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        if self.is_production:
            return True
        url = urlsplit(self.public_base_url)
        return not (url.scheme == "http" and (url.hostname or "") in LOOPBACK_HOSTS)

    @model_validator(mode="after")
    def _outbox_timing(self) -> Settings:
        if self.outbox_stale_seconds <= self.mail_job_timeout_seconds:
            raise ValueError(
                "OUTBOX_STALE_SECONDS must be greater than MAIL_JOB_TIMEOUT_SECONDS, or the "
                "sweeper could hand a mail that is still being sent to a second worker"
            )
        return self

    @property
    def is_production(self) -> bool:
        return self.environment == Environment.PRODUCTION

    @property
    def payment_processor(self) -> str:
        """The processor adapter in use: PAYMENT_PROVIDER, or its environment's default."""
        if self.payment_provider:
            return self.payment_provider
        return "none" if self.is_production else "sandbox"

    @property
    def uses_fakeredis(self) -> bool:
        return not self.redis_url

    @property
    def graphiql_enabled(self) -> bool:
        return (not self.is_production) if self.graphiql is None else self.graphiql

    @property
    def introspection_policy(self) -> IntrospectionPolicy:
        if self.introspection is not None:
            return self.introspection
        return IntrospectionPolicy.STAFF if self.is_production else IntrospectionPolicy.ON

    def check_production(self) -> None:
        """Refuse dev defaults where they would be dangerous."""
        if not self.is_production:
            return
        problems = []
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("SECRET_KEY must be set to a random value of 32+ characters")
        if self.database_url.startswith("sqlite"):
            problems.append("DATABASE_URL must point to PostgreSQL")
        if self.uses_fakeredis:
            problems.append("REDIS_URL must be set")
        if self.embedded_smtp_sink:
            problems.append("EMBEDDED_SMTP_SINK must be false (use a real SMTP server)")
        if self.debug:
            problems.append("DEBUG must be false")
        if not self.cookie_secure:
            problems.append("SESSION_COOKIE_SECURE must not be false (cookies need HTTPS)")
        if self.payment_processor == "sandbox":
            problems.append("PAYMENT_PROVIDER must not be sandbox (a test processor)")
        if self.payment_processor != "none" and (
            self.payment_webhook_secret == DEV_PAYMENT_WEBHOOK_SECRET
            or len(self.payment_webhook_secret) < 16
        ):
            problems.append("PAYMENT_WEBHOOK_SECRET must be the processor's secret")
        if problems:
            raise RuntimeError("refusing to start in production: " + "; ".join(problems))


def profile_slug(store_profile: str) -> str:
    """A file-name-safe name for a store profile (a shipped name or a TOML path)."""
    stem = Path(store_profile).stem or "store"
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in stem)
