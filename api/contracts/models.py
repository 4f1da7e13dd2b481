"""Subscription contracts: the contract, its dated versions and their lines.

A contract is a snapshot (docs/architecture.md, "documents are snapshots"): product
names, agreed unit prices, the payment method and terms and the 利用者情報 are
copied when it is opened and never read from the catalog or the order again.
What the company has is kept as versions, each valid from `effective_from`
(inclusive) until `effective_until` (exclusive; NULL for the open-ended current
one), so "what did this company have on a given day" is a lookup, not a replay.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.catalog.models import SubscriptionPlan

# The enums live with their state machines; imported here for the fields (and the migrations).
from api.contracts.states import ApplicationKind, ApplicationStatus, ContractStatus, LineKind

__all__ = [
    "ApplicationKind",
    "ApplicationStatus",
    "Contract",
    "ContractApplication",
    "ContractLine",
    "ContractStatus",
    "ContractVersion",
    "LineKind",
    "ProductChangePath",
    "SubscriptionPlan",
]


class Contract(Model):
    id = fields.IntField(primary_key=True)
    company = fields.ForeignKeyField(
        "models.Company", related_name="contracts", on_delete=fields.RESTRICT
    )
    # The order it came from (orders is another domain: a plain id, no foreign key).
    order_id = fields.IntField(null=True, db_index=True)
    # What opened it ("order:12:line:3"): opening the same thing twice returns the first.
    source_key = fields.CharField(max_length=128, unique=True, null=True)
    status = fields.CharEnumField(ContractStatus, max_length=20, default=ContractStatus.SETTING_UP)
    plan = fields.CharEnumField(SubscriptionPlan, max_length=16)
    start_date = fields.DateField()
    term_months = fields.IntField()
    # 更新月 of annual plans: the month the current term ends in; changes are allowed then.
    renewal_month = fields.IntField(null=True)
    current_term_end = fields.DateField()  # last day of the current term
    end_date = fields.DateField(null=True)  # last day of service, once an end is decided
    payment_method = fields.CharField(max_length=32, default="")
    payment_terms = fields.JSONField(default=dict)
    user_info = fields.JSONField(default=dict)  # 利用者情報 as agreed
    note = fields.TextField(default="")  # staff only
    # The term end whose renewal notice was mailed (the notice goes once per term).
    renewal_notice_for = fields.DateField(null=True)
    # The first day of the latest billing period charged (api/contracts/charges.py).
    billed_through = fields.DateField(null=True)
    started_at = fields.DatetimeField(null=True)
    ended_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "contracts"
        indexes = (("company_id", "created_at"), ("status", "start_date"), ("status", "end_date"))

    @property
    def number(self) -> str:
        """The reference quoted in mails and by the customer (契約番号)."""
        return f"C{self.id:07d}"


class ContractVersion(Model):
    """What the contract covers from one date on (the versions of a contract never overlap)."""

    id = fields.IntField(primary_key=True)
    contract = fields.ForeignKeyField(
        "contracts.Contract", related_name="versions", on_delete=fields.CASCADE
    )
    number = fields.IntField()  # 1, 2, ... in order of effect
    effective_from = fields.DateField()
    effective_until = fields.DateField(null=True)  # exclusive; NULL: still in effect
    reason = fields.CharField(max_length=255, default="")
    created_by_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contract_versions"
        unique_together = (("contract_id", "number"),)
        indexes = (("contract_id", "effective_from"),)


class ContractLine(Model):
    """One line of a version: the main product or an option, with its agreed price."""

    id = fields.IntField(primary_key=True)
    version = fields.ForeignKeyField(
        "contracts.ContractVersion", related_name="lines", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(LineKind, max_length=8)
    product_id = fields.IntField(null=True)  # the catalog product (main) or its parent (option)
    code = fields.CharField(max_length=64)  # product code or option code
    name = fields.CharField(max_length=255)
    name_en = fields.CharField(max_length=255, default="")
    unit_price = fields.IntField()  # yen excluding tax, per period of the plan
    quantity = fields.IntField()
    min_quantity = fields.IntField(default=0)  # the main product's minimum (§6.1)
    tax_category = fields.CharField(max_length=16, default="standard")
    position = fields.IntField(default=0)

    class Meta:
        table = "contract_lines"
        indexes = (("version_id", "position"),)


class ProductChangePath(Model):
    """Catalog data: a contracted product may be changed to another along these paths only."""

    id = fields.IntField(primary_key=True)
    from_product = fields.ForeignKeyField(
        "catalog.Product", related_name="change_paths_from", on_delete=fields.CASCADE
    )
    to_product = fields.ForeignKeyField(
        "catalog.Product", related_name="change_paths_to", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contract_product_change_paths"
        unique_together = (("from_product_id", "to_product_id"),)


class ContractApplication(Model):
    """A member's application to change (004 §6) or cancel (004 §7) a contract.

    `lines` is the contract as it will be once the application takes effect (every
    line with its agreed price and quantity; empty for 一括解約), `changes` what differs
    from the version it was made against, for display. `open_contract_id` holds the
    contract id while the application is open and NULL after: unique, so a contract has
    at most one open application, whoever races to make a second one.
    """

    id = fields.IntField(primary_key=True)
    contract = fields.ForeignKeyField(
        "contracts.Contract", related_name="applications", on_delete=fields.CASCADE
    )
    company_id = fields.IntField(db_index=True)
    kind = fields.CharEnumField(ApplicationKind, max_length=24)
    status = fields.CharEnumField(
        ApplicationStatus, max_length=16, default=ApplicationStatus.SUBMITTED
    )
    open_contract_id = fields.IntField(null=True, unique=True)
    base_version_number = fields.IntField()
    lines = fields.JSONField(default=list)
    changes = fields.JSONField(default=list)
    timing = fields.CharField(max_length=16)  # ChangeTiming or CancellationTiming value
    # Changes: the first day of the new version; cancellations: the last day of service.
    effective_date = fields.DateField()
    user_info = fields.JSONField(default=dict)
    payment_method = fields.CharField(max_length=32, default="")
    consents = fields.JSONField(default=dict)  # {kind: version} agreed to
    reason = fields.CharField(max_length=500, default="")  # the member's reason (cancellation)
    refusal_reason = fields.CharField(max_length=500, default="")
    requested_by_id = fields.IntField(null=True)
    receipt_token_hash = fields.CharField(max_length=64, null=True, unique=True)
    receipt_token_expires_at = fields.DatetimeField(null=True)
    applied_version_number = fields.IntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "contract_applications"
        indexes = (("contract_id", "created_at"), ("status", "created_at"))

    @property
    def number(self) -> str:
        return f"A{self.id:07d}"
