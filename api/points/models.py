"""The points ledger (000 §5, 001 ポイント): entries per member; the balance is their sum.

Every entry carries a unique `business_key` (`earned:<order>`, `used:<order>`,
`expired:<member>:<date>`, `adjusted:<key>`, `reversed:<entry key>`), so posting
the same fact twice, by a retried request or a cron run repeated, adds nothing.
`PointAccount.balance` is the running sum kept beside the entries: spending is
one conditional UPDATE (`balance >= n`), which is what keeps the balance from
going below zero when two orders spend at once.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.points.states import EntryKind


class PointAccount(Model):
    id = fields.IntField(primary_key=True)
    user = fields.OneToOneField(
        "models.User", related_name="point_account", on_delete=fields.CASCADE
    )
    balance = fields.IntField(default=0)
    last_purchase_on = fields.DateField(null=True)  # Tokyo date of the last member order
    expires_on = fields.DateField(null=True)  # the last day the balance can be used
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "point_accounts"
        indexes = (("expires_on", "balance"),)


class PointEntry(Model):
    id = fields.IntField(primary_key=True)
    user = fields.ForeignKeyField(
        "models.User", related_name="point_entries", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(EntryKind, max_length=16)
    points = fields.IntField()  # signed: + earned/adjusted up, − used/expired
    balance_after = fields.IntField()
    business_key = fields.CharField(max_length=160, unique=True)
    order_ref = fields.CharField(max_length=64, null=True)
    reason = fields.CharField(max_length=500, default="")
    posted_on = fields.DateField()  # Tokyo business date
    actor_id = fields.IntField(null=True)  # staff for adjustments
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "point_entries"
        indexes = (("user_id", "id"), ("order_ref",))
