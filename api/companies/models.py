"""Customer companies: the account a B2B registration creates."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class Company(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=255)
    name_kana = fields.CharField(max_length=255, default="")
    postal_code = fields.CharField(max_length=8, default="")
    prefecture = fields.CharField(max_length=8, default="")
    address_line1 = fields.CharField(max_length=255, default="")
    address_line2 = fields.CharField(max_length=255, default="")
    phone = fields.CharField(max_length=20, default="")
    # Billing address (請求先), when it differs from the company address above.
    billing_name = fields.CharField(max_length=255, default="")
    billing_department = fields.CharField(max_length=128, default="")
    billing_postal_code = fields.CharField(max_length=8, default="")
    billing_prefecture = fields.CharField(max_length=8, default="")
    billing_address_line1 = fields.CharField(max_length=255, default="")
    billing_address_line2 = fields.CharField(max_length=255, default="")
    billing_phone = fields.CharField(max_length=20, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "companies"


class CompanyRole(Model):
    """A role a company's administrator composed from named member permissions."""

    id = fields.IntField(primary_key=True)
    company = fields.ForeignKeyField(
        "models.Company", related_name="roles", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=64)
    permissions = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "company_roles"
        unique_together = (("company_id", "name"),)


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REVOKED = "revoked"


class Invitation(Model):
    """An invitation of a person to a company, by email, with a role."""

    id = fields.IntField(primary_key=True)
    company = fields.ForeignKeyField(
        "models.Company", related_name="invitations", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=254)
    role_key = fields.CharField(max_length=32)
    message = fields.TextField(default="")
    token_hash = fields.CharField(max_length=64, unique=True)
    status = fields.CharEnumField(InvitationStatus, max_length=16, default=InvitationStatus.PENDING)
    invited_by = fields.ForeignKeyField(
        "models.User", related_name="invitations_sent", null=True, on_delete=fields.SET_NULL
    )
    accepted_user = fields.ForeignKeyField(
        "models.User", related_name="invitation", null=True, on_delete=fields.SET_NULL
    )
    expires_at = fields.DatetimeField()
    sent_count = fields.IntField(default=1)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "invitations"
        indexes = (("company_id", "status"),)


class Address(Model):
    """A delivery address in a company's (or an individual member's) address book."""

    id = fields.IntField(primary_key=True)
    company = fields.ForeignKeyField(
        "models.Company", related_name="addresses", null=True, on_delete=fields.CASCADE
    )
    user = fields.ForeignKeyField(
        "models.User", related_name="addresses", null=True, on_delete=fields.CASCADE
    )
    label = fields.CharField(max_length=64, default="")
    recipient_name = fields.CharField(max_length=128)
    recipient_name_kana = fields.CharField(max_length=128, default="")
    company_name = fields.CharField(max_length=255, default="")
    department = fields.CharField(max_length=128, default="")
    postal_code = fields.CharField(max_length=8)
    prefecture = fields.CharField(max_length=8)
    address_line1 = fields.CharField(max_length=255)
    address_line2 = fields.CharField(max_length=255, default="")
    phone = fields.CharField(max_length=20)
    is_default = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "addresses"
        indexes = (("company_id",), ("user_id",))
