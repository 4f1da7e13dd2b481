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
    REJECTED = "rejected"  # the operator declined the application
    CLOSED = "closed"  # withdrawn or removed


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
    language = fields.CharField(max_length=5, default="ja")
    email_verified_at = fields.DatetimeField(null=True)
    approved_at = fields.DatetimeField(null=True)
    rejection_reason = fields.TextField(default="")
    locked_at = fields.DatetimeField(null=True)
    last_login_at = fields.DatetimeField(null=True)
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

    class Meta:
        table = "sessions"


class TokenPurpose(StrEnum):
    VERIFY_EMAIL = "verify_email"


class EmailToken(Model):
    """A single-use secret sent by email (verification link and the like)."""

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="email_tokens", on_delete=fields.CASCADE
    )
    purpose = fields.CharEnumField(TokenPurpose, max_length=32)
    token_hash = fields.CharField(max_length=64, unique=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "email_tokens"
        indexes = (("user_id", "purpose"),)
