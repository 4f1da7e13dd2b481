"""Store policy: what makes one store behave differently from another.

torihiki runs the three stores our manuals describe by configuration, not by
code forks. A policy is one typed object read from a TOML profile: the shipped
profiles live beside this module, and STORE_PROFILE may also name a file.
"""

from __future__ import annotations

import re
import tomllib
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.billing.states import DueDateShift, PaymentTerm
from api.contracts.states import CancellationTiming, ChangeTiming
from api.money import TaxRounding

if TYPE_CHECKING:
    from api.numbering import NumberPattern

PROFILE_DIR = Path(__file__).parent / "profiles"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegistrationApproval(StrEnum):
    NONE = "none"  # active right after the address is verified
    OPERATOR = "operator"  # staff approve or reject each application


class TwoFactorRequirement(StrEnum):
    OFF = "off"
    OPTIONAL = "optional"
    REQUIRED = "required"


class TaxDisplay(StrEnum):
    INCLUDED = "included"
    EXCLUDED = "excluded"


class PasswordResetFlow(StrEnum):
    TEMPORARY_PASSWORD = "temporary_password"  # login ID -> temporary password + reset URL
    EMAIL_AND_PHONE = "email_and_phone"  # email + phone must match -> reset URL


class PasswordCharset(StrEnum):
    ANY = "any"
    ASCII_PRINTABLE = "ascii_printable"  # half-width letters, digits and symbols only


class PasswordPolicy(_Frozen):
    min_length: int = Field(8, ge=4, le=128)
    max_length: int = Field(128, ge=8, le=1024)
    charset: PasswordCharset = PasswordCharset.ANY
    required_classes: int = Field(0, ge=0, le=4, description="letters/digits/symbols/upper")
    max_repeat: int = Field(0, ge=0, description="0: unlimited; 2: no character 3 times in a row")
    reject_common: bool = True
    reject_email: bool = True


class RegistrationPolicy(_Frozen):
    approval: RegistrationApproval = RegistrationApproval.NONE
    company_required: bool = False
    customer_code_field: bool = False


# ---- shipping, tax rounding, delivery slots (issue 11: carts and prices) -----------------


class ShippingRule(_Frozen):
    """One shipping group's charge: free from a tax-included goods amount, else a flat fee."""

    fee: int = Field(0, ge=0, le=1_000_000)
    # Free when the group's goods amount (tax included, before coupons) reaches this; None: never.
    free_threshold: int | None = Field(None, ge=0, le=100_000_000)


class ShippingPolicy(_Frozen):
    """Shipping per shipping class (api.catalog.models.ShippingClass).

    Store-shipped goods form one group under `store`. Maker-direct goods form one
    group per maker (each maker ships its own parcel) under that maker's rule in
    `makers` (keyed by maker name), or `maker_direct` for makers without one.
    Goods without shipping (services, subscriptions) are never charged.
    """

    fees_include_tax: bool = True  # fees are quoted as the customer pays them (tax included)
    store: ShippingRule = ShippingRule()
    maker_direct: ShippingRule = ShippingRule()
    makers: dict[str, ShippingRule] = Field(default_factory=dict)


class DeliveryTimeSlot(_Frozen):
    code: str = Field(pattern=r"^[a-z0-9_]{1,32}$")
    name: str
    name_en: str = ""


class PointsBasis(StrEnum):
    TAX_INCLUDED = "tax_included"
    TAX_EXCLUDED = "tax_excluded"


# ---- document numbers (issue 11: quotes, orders, invoices) ------------------------------


def _default_number_patterns() -> dict[str, str]:
    # The seeds' stores number quotes and orders "EC…" (000 §3, §6).
    return {
        "quote": "EC{yyyymmdd}Q{seq:04}",
        "order": "EC{yyyymmdd}{seq:05}",
        "invoice": "EC{yyyymm}I{seq:05}",
        "delivery_note": "EC{yyyymmdd}D{seq:04}",
        "receipt": "EC{yyyymmdd}R{seq:04}",
        "simplified_invoice": "EC{yyyymmdd}S{seq:04}",  # 請求書（簡易版） of an order
    }


class NumberingPolicy(_Frozen):
    """Number patterns per document series; see api/numbering for the placeholders."""

    patterns: dict[str, str] = Field(default_factory=_default_number_patterns)

    @field_validator("patterns")
    @classmethod
    def _valid_patterns(cls, value: dict[str, str]) -> dict[str, str]:
        from api.numbering import parse_pattern

        merged = {**_default_number_patterns(), **value}
        for series, text in merged.items():
            if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", series):
                raise ValueError(f"number series {series!r}: lower-case letters, digits, _")
            parse_pattern(text)
        return merged

    def pattern(self, series: str) -> NumberPattern:
        from api.numbering import parse_pattern

        if series not in self.patterns:
            raise KeyError(f"no number pattern for series {series!r}")
        return parse_pattern(self.patterns[series])


# ---- closing-date billing (issue 14) -------------------------------------------------------


class BillingPolicy(_Frozen):
    """Payment terms offered and how the dates of an invoice move (docs/billing.md)."""

    # The terms members may choose (seed 000 §7). Guests and members without a
    # company always have 月末締め/翌月末払い, so that one must be offered.
    payment_terms: tuple[PaymentTerm, ...] = tuple(PaymentTerm)
    # A due date on a weekend, holiday, store closure or Dec 31 – Jan 3 moves here.
    due_date_shift: DueDateShift = DueDateShift.PREVIOUS
    # The qualified-invoice issuer registration number (適格請求書発行事業者登録番号).
    registration_number: str = Field("", pattern=r"^(T\d{13})?$")
    # Reminder mails for an unpaid invoice this many days after its due date (督促).
    # A worker that was down sends only the latest reminder due, never a burst.
    overdue_reminder_days: tuple[int, ...] = (1, 7, 14)

    @model_validator(mode="after")
    def _guest_term_offered(self) -> BillingPolicy:
        if PaymentTerm.MONTH_END_NEXT_MONTH_END not in self.payment_terms:
            raise ValueError("payment_terms must include month_end_next_month_end (guests' term)")
        if len(set(self.payment_terms)) != len(self.payment_terms):
            raise ValueError("payment_terms lists a term twice")
        if any(not 0 < d <= 365 for d in self.overdue_reminder_days):
            raise ValueError("overdue_reminder_days must lie between 1 and 365")
        return self


# ---- the issuer of documents and quotes (issue 11) ----------------------------------------


class IssuerPolicy(_Frozen):
    """The store as printed on quotes, delivery notes, receipts and invoices."""

    name: str = ""  # empty: the store's `name`
    postal_code: str = Field("", pattern=r"^(\d{3}-\d{4})?$")
    address: str = ""
    phone: str = ""
    email: str = ""
    # 適格請求書発行事業者登録番号 printed on quotes; empty: [billing]'s registration_number.
    registration_number: str = Field("", pattern=r"^(T\d{13})?$")


class PaymentMethodOption(_Frozen):
    """A payment method the store offers (quotes record it; api.payments processes it)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name: str
    name_en: str = ""


class BankAccount(_Frozen):
    """The store's account for 銀行振込, as the payment instructions print it."""

    bank_name: str = Field(min_length=1, max_length=64)
    branch_name: str = Field(min_length=1, max_length=64)
    account_type: str = Field("普通", max_length=8)  # 普通 / 当座
    account_number: str = Field(pattern=r"^\d{7}$")
    account_holder: str = Field(min_length=1, max_length=64)  # 口座名義 (kana)


class PaymentPolicy(_Frozen):
    """Deadlines and the bank account of the payment methods (api/payments, docs/payments.md)."""

    bank_account: BankAccount | None = None  # None: bank transfer cannot be offered
    # 001: "ご注文完了後、銀行における5営業日以内にお振込みください" (business calendar).
    bank_transfer_deadline_business_days: int = Field(5, ge=1, le=60)
    # The reminder mail goes this many business days before the deadline; 0: none.
    bank_transfer_reminder_business_days: int = Field(2, ge=0, le=30)
    # A konbini slip can be paid until this many days after the order (shops open daily).
    konbini_deadline_days: int = Field(7, ge=1, le=60)


class QuotePolicy(_Frozen):
    """Quotes (見積書): how long they are valid and what they say in the remarks."""

    enabled: bool = True  # 001's store has no quotes
    validity_days: int = Field(14, ge=1, le=365)  # the last valid day is issue date + this
    remarks: tuple[str, ...] = ()  # printed in the PDF's remarks, before the customer's comment


# ---- contracts: changes, cancellations, renewals (issue 13; docs/contracts.md) ------------


class ContractPolicy(_Frozen):
    """When changes and cancellations of contracts take effect, as data (Kill Bill style).

    An application's timing is the latest of its parts' (a product change, any reduction,
    any addition); a part whose timing is `refused` refuses the application.
    """

    addition: ChangeTiming = ChangeTiming.IMMEDIATE  # more seats, an option added or raised
    reduction: ChangeTiming = ChangeTiming.END_OF_TERM  # fewer seats, an option lowered/removed
    product_change: ChangeTiming = ChangeTiming.IMMEDIATE  # monthly plans
    annual_product_change: ChangeTiming = ChangeTiming.END_OF_TERM  # annual plans: at renewal
    # 004 §6.1: annual contracts change only in their renewal month (更新月).
    annual_changes_in_renewal_month_only: bool = True
    monthly_cancellation: CancellationTiming = CancellationTiming.END_OF_MONTH
    annual_cancellation: CancellationTiming = CancellationTiming.END_OF_TERM
    renewal_notice_days: int = Field(30, ge=0, le=365)  # 0: no notice mail
    receipt_link_days: int = Field(14, ge=1, le=90)  # 受領確認 link validity


# ---- the policy ----------------------------------------------------------------------------


class Policy(_Frozen):
    """The active store's rules. Read it with `load_policy(name)`."""

    code: str
    name: str
    name_en: str
    support_email: str = "support@torihiki.localhost"
    registration: RegistrationPolicy = RegistrationPolicy()
    password: PasswordPolicy = PasswordPolicy()
    two_factor: TwoFactorRequirement = TwoFactorRequirement.OPTIONAL
    staff_two_factor: TwoFactorRequirement = TwoFactorRequirement.REQUIRED
    password_reset: PasswordResetFlow = PasswordResetFlow.EMAIL_AND_PHONE
    tax_display: TaxDisplay = TaxDisplay.INCLUDED
    guest_checkout: bool = False
    individual_members: bool = True
    points_rate_percent: int = Field(0, ge=0, le=100)
    # Carts and prices (issue 11).
    tax_rounding: TaxRounding = TaxRounding.FLOOR
    shipping: ShippingPolicy = ShippingPolicy()
    delivery_time_slots: tuple[DeliveryTimeSlot, ...] = ()
    # Document numbers (issue 11).
    numbering: NumberingPolicy = NumberingPolicy()
    # Quotes and issued documents (issue 11).
    issuer: IssuerPolicy = IssuerPolicy()
    quotes: QuotePolicy = QuotePolicy()
    payment_methods: tuple[PaymentMethodOption, ...] = ()
    payments: PaymentPolicy = PaymentPolicy()

    # Closing-date billing (issue 14).
    billing: BillingPolicy = BillingPolicy()
    # Contract changes and cancellations (issue 13).
    contracts: ContractPolicy = ContractPolicy()
    # Points (issue 11, api/points): earned on the goods amount after the coupon, in this
    # basis, at points_rate_percent, rounded down (001: ¥100 = 1 point); the whole balance
    # expires this many days after the member's last purchase (000: 180); 0: never.
    points_basis: PointsBasis = PointsBasis.TAX_INCLUDED
    points_expiry_days: int = Field(180, ge=0, le=3650)


def shipped_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.toml"))


@lru_cache(maxsize=8)
def load_policy(profile: str) -> Policy:
    """Load a shipped profile by name, or a TOML file by path."""
    path = Path(profile)
    if not path.suffix:
        path = PROFILE_DIR / f"{profile}.toml"
    if not path.is_file():
        raise ValueError(
            f"unknown store profile {profile!r}; shipped: {', '.join(shipped_profiles())}"
        )
    with path.open("rb") as f:
        return Policy.model_validate(tomllib.load(f))
