"""Contact-form inquiries and withdrawal (退会) requests.

Both point at users by id only, so closing and anonymising an account keeps
every row and its history.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

# The enums live with their state machines; imported here for the fields (and the migrations).
from api.support.states import InquiryCategory, InquiryStatus, WithdrawalStatus

__all__ = [
    "Inquiry",
    "InquiryCategory",
    "InquiryStatus",
    "WithdrawalRequest",
    "WithdrawalStatus",
]


class Inquiry(Model):
    """A message sent with the contact form, by a member or by anyone."""

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="inquiries", null=True, on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(InquiryStatus, max_length=16, default=InquiryStatus.OPEN)
    category = fields.CharEnumField(InquiryCategory, max_length=16)
    name = fields.CharField(max_length=128)
    email = fields.CharField(max_length=254, db_index=True)
    phone = fields.CharField(max_length=20, default="")
    company_name = fields.CharField(max_length=255, default="")
    subject = fields.CharField(max_length=200)
    body = fields.TextField()
    language = fields.CharField(max_length=5, default="ja")
    # The privacy policy version the sender agreed to (anonymous senders have no Consent
    # row, so the inquiry itself is the record of that consent).
    privacy_policy_version = fields.IntField()
    ip_address = fields.CharField(max_length=45, default="")
    answer = fields.TextField(default="")
    answered_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    answered_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "support_inquiries"
        indexes = (("status", "created_at"), ("user_id", "created_at"))

    @property
    def number(self) -> str:
        """The reference the sender quotes (お問い合わせ番号)."""
        return f"{self.id:06d}"


class WithdrawalRequest(Model):
    """A member asking to close their account, handled by staff."""

    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="withdrawal_requests", on_delete=fields.RESTRICT
    )
    status = fields.CharEnumField(
        WithdrawalStatus, max_length=16, default=WithdrawalStatus.REQUESTED
    )
    # The user id while the request is open, NULL once decided: the unique index
    # allows one open request per user, on SQLite as on PostgreSQL.
    open_user_id = fields.IntField(null=True, unique=True)
    reason = fields.TextField(default="")
    rejection_reason = fields.TextField(default="")
    # What completing did with personal data ("anonymize" or "keep"), empty until then.
    personal_data = fields.CharField(max_length=16, default="")
    decided_by = fields.ForeignKeyField(
        "models.User", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "support_withdrawal_requests"
        indexes = (("status", "created_at"),)
