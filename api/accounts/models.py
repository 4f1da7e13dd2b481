"""People who sign in: members of a store (customers) and staff (the operator)."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class UserKind(StrEnum):
    MEMBER = "member"
    STAFF = "staff"


class UserStatus(StrEnum):
    UNVERIFIED = "unverified"  # registered, email address not yet confirmed
    PENDING_APPROVAL = "pending_approval"  # verified, waiting for the operator
    ACTIVE = "active"
    REJECTED = "rejected"  # the operator (or the company administrator) declined
    AWAITING_COMPANY_APPROVAL = "awaiting_company_approval"  # invited, registered, not approved
    REMOVED = "removed"  # taken out of the company by its administrator
    CLOSED = "closed"  # withdrawn


class User(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(UserKind, max_length=16, default=UserKind.MEMBER)
    status = fields.CharEnumField(UserStatus, max_length=32, default=UserStatus.UNVERIFIED)
    # The login ID. Stored normalised (trimmed, lower-case) so uniqueness holds.
    email = fields.CharField(max_length=254, unique=True)
    password_hash = fields.CharField(max_length=255)
    company = fields.ForeignKeyField(
        "models.Company", related_name="users", null=True, on_delete=fields.RESTRICT
    )
    family_name = fields.CharField(max_length=64)
    given_name = fields.CharField(max_length=64)
    family_name_kana = fields.CharField(max_length=64, default="")
    given_name_kana = fields.CharField(max_length=64, default="")
    department = fields.CharField(max_length=128, default="")
    phone = fields.CharField(max_length=20, default="")
    postal_code = fields.CharField(max_length=8, default="")
    prefecture = fields.CharField(max_length=8, default="")
    address_line1 = fields.CharField(max_length=255, default="")
    address_line2 = fields.CharField(max_length=255, default="")
    customer_code = fields.CharField(max_length=64, default="")
    newsletter_opt_in = fields.BooleanField(default=False)
    direct_mail_opt_in = fields.BooleanField(default=False)
    # Members: "administrator", "general" or "custom:<role id>" of their company.
    # Staff: a staff role ("operator_admin", "operator", ...). See api/companies/permissions.py.
    role_key = fields.CharField(max_length=32, default="")
    language = fields.CharField(max_length=5, default="ja")
    email_verified_at = fields.DatetimeField(null=True)
    approved_at = fields.DatetimeField(null=True)
    rejection_reason = fields.TextField(default="")
    # A lock by staff (or the company administrator): stays until lifted.
    locked_at = fields.DatetimeField(null=True)
    lock_reason = fields.CharField(max_length=255, default="")
    # Consecutive wrong passwords since the last sign-in, and the temporary lock they
    # earned (password guessing): sign-in is refused until then, sessions stay.
    failed_login_count = fields.IntField(default=0)
    locked_until = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
    password_changed_at = fields.DatetimeField(null=True)
    # Two-factor authentication. The TOTP secret is encrypted with SECRET_KEY.
    two_factor_enabled = fields.BooleanField(default=False)  # opted in (optional stores)
    totp_secret_encrypted = fields.TextField(default="")
    totp_confirmed_at = fields.DatetimeField(null=True)
    totp_last_timecode = fields.BigIntField(default=0)  # no replay within the window
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "users"
        indexes = (("kind", "status"),)

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()


class Session(Model):
    """A signed-in client. The token itself is never stored, only its hash."""

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField("models.User", related_name="sessions", on_delete=fields.CASCADE)
    token_hash = fields.CharField(max_length=64, unique=True)
    ip_address = fields.CharField(max_length=45, default="")
    user_agent = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_seen_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)
    # When the password was last proven in this session (sign-in or step-up): sensitive
    # changes within REAUTHENTICATION_MINUTES of it need no password again.
    authenticated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "sessions"


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    PASSWORD_RESET = "password_reset"
    CHANGE_EMAIL = "change_email"


class EmailToken(Model):
    """A single-use secret sent by email (verification link and the like)."""

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="email_tokens", on_delete=fields.CASCADE
    )
    purpose = fields.CharEnumField(TokenPurpose, max_length=32)
    token_hash = fields.CharField(max_length=64, unique=True)
    # CHANGE_EMAIL: the address the link confirms. PASSWORD_RESET with a temporary
    # password: its argon2 hash (the reset needs both the link and that password).
    new_email = fields.CharField(max_length=254, default="")
    secret_hash = fields.CharField(max_length=255, default="")
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "email_tokens"
        indexes = (("user_id", "purpose"),)


class LoginChallenge(Model):
    """A password that was right, waiting for the second factor. Short-lived, single-use."""

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="login_challenges", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    email_code_hash = fields.CharField(max_length=64, default="")
    email_code_expires_at = fields.DatetimeField(null=True)
    attempts = fields.IntField(default=0)
    ip_address = fields.CharField(max_length=45, default="")
    user_agent = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "login_challenges"


class BackupCode(Model):
    """One of ten 8-digit single-use codes, stored as a keyed hash only."""

    # (No semicolons in model docstrings: they become SQL comments that the
    # SQLite migration runner splits on.)

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="backup_codes", on_delete=fields.CASCADE
    )
    code_hash = fields.CharField(max_length=64)
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "backup_codes"
        unique_together = (("user_id", "code_hash"),)


class TrustedBrowser(Model):
    """A browser where the user ticked "don't ask for 2FA here": revocable, expiring."""

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="trusted_browsers", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    ip_address = fields.CharField(max_length=45, default="")
    user_agent = fields.CharField(max_length=255, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "trusted_browsers"


class SecurityEventKind(StrEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    PASSWORD_VERIFIED = "password_verified"  # right password, second factor pending
    SECOND_FACTOR_FAILED = "second_factor_failed"
    LOGOUT = "logout"
    SESSION_REVOKED = "session_revoked"
    TOTP_ENABLED = "totp_enabled"
    TOTP_DISABLED = "totp_disabled"
    TWO_FACTOR_ENABLED = "two_factor_enabled"
    TWO_FACTOR_DISABLED = "two_factor_disabled"
    BACKUP_CODES_GENERATED = "backup_codes_generated"
    BACKUP_CODE_USED = "backup_code_used"
    TRUSTED_BROWSER_ADDED = "trusted_browser_added"
    TRUSTED_BROWSER_REVOKED = "trusted_browser_revoked"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET_REQUESTED = "password_reset_requested"
    PASSWORD_RESET = "password_reset"
    EMAIL_CHANGE_REQUESTED = "email_change_requested"
    EMAIL_CHANGED = "email_changed"
    LOCKED = "locked"
    UNLOCKED = "unlocked"


class SecurityEvent(Model):
    """The audit trail of sign-in and account security, readable by the user and staff."""

    id = fields.IntField(primary_key=True)
    # None: a sign-in attempt for a login ID that belongs to no account.
    user = fields.ForeignKeyField(
        "models.User", related_name="security_events", null=True, on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(SecurityEventKind, max_length=32)
    # Unknown login IDs: a keyed hash of the normalised ID (never the ID itself, which
    # may be a password typed into the wrong field), so repeated attempts correlate.
    login_id_hash = fields.CharField(max_length=64, default="")
    actor_id = fields.IntField(null=True)  # staff who locked/unlocked, else the user
    ip_address = fields.CharField(max_length=45, default="")
    user_agent = fields.CharField(max_length=255, default="")
    detail = fields.CharField(max_length=255, default="")
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "security_events"
        indexes = (("user_id", "at"),)
