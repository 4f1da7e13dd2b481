"""The active store policy: a public subset for forms, the whole of it for staff."""

from __future__ import annotations

from enum import Enum

import strawberry

from api.graphql.permissions import IsStaff
from api.stores import policy as p


def _enum(source: type[Enum], name: str):  # noqa: ANN202 - strawberry enum factory
    return strawberry.enum(Enum(name, {m.name: m.value for m in source}), name=name)


RegistrationApproval = _enum(p.RegistrationApproval, "RegistrationApproval")
TwoFactorRequirement = _enum(p.TwoFactorRequirement, "TwoFactorRequirement")
TaxDisplay = _enum(p.TaxDisplay, "TaxDisplay")
PasswordResetFlow = _enum(p.PasswordResetFlow, "PasswordResetFlow")
PasswordCharset = _enum(p.PasswordCharset, "PasswordCharset")


@strawberry.type(description="Rules a new password must follow; show them next to the field.")
class PasswordRules:
    min_length: int
    max_length: int
    charset: PasswordCharset  # type: ignore[valid-type]
    required_classes: int
    max_repeat: int = strawberry.field(description="0: no limit; 2: no character 3 times in a row.")
    reject_common: bool
    reject_email: bool


@strawberry.type(description="What a registration form needs to know about this store.")
class RegistrationRules:
    approval: RegistrationApproval  # type: ignore[valid-type]
    company_required: bool
    customer_code_field: bool


@strawberry.type(description="The store this service runs, as shown to anyone.")
class Store:
    code: str
    name: str
    support_email: str
    tax_display: TaxDisplay  # type: ignore[valid-type]
    guest_checkout: bool
    individual_members: bool
    registration: RegistrationRules
    password_rules: PasswordRules
    password_reset: PasswordResetFlow = strawberry.field(  # type: ignore[valid-type]
        description="TEMPORARY_PASSWORD: ask for the login ID (two mails follow). "
        "EMAIL_AND_PHONE: ask for the email address and the phone number."
    )
    two_factor: TwoFactorRequirement = strawberry.field(  # type: ignore[valid-type]
        description="For members: OFF, OPTIONAL (each member chooses) or REQUIRED."
    )


@strawberry.type(description="Staff: the whole active store policy.")
class StorePolicy:
    store: Store
    profile: str
    two_factor: TwoFactorRequirement  # type: ignore[valid-type]
    staff_two_factor: TwoFactorRequirement  # type: ignore[valid-type]
    password_reset: PasswordResetFlow  # type: ignore[valid-type]
    points_rate_percent: int


def _store(policy: p.Policy, language: str) -> Store:
    pw = policy.password
    return Store(
        code=policy.code,
        name=policy.name if language == "ja" else policy.name_en,
        support_email=policy.support_email,
        tax_display=TaxDisplay(policy.tax_display.value),
        guest_checkout=policy.guest_checkout,
        individual_members=policy.individual_members,
        registration=RegistrationRules(
            approval=RegistrationApproval(policy.registration.approval.value),
            company_required=policy.registration.company_required or not policy.individual_members,
            customer_code_field=policy.registration.customer_code_field,
        ),
        password_rules=PasswordRules(
            min_length=pw.min_length,
            max_length=pw.max_length,
            charset=PasswordCharset(pw.charset.value),
            required_classes=pw.required_classes,
            max_repeat=pw.max_repeat,
            reject_common=pw.reject_common,
            reject_email=pw.reject_email,
        ),
        password_reset=PasswordResetFlow(policy.password_reset.value),
        two_factor=TwoFactorRequirement(policy.two_factor.value),
    )


@strawberry.type
class StoresQuery:
    @strawberry.field(description="The store: name, tax display, registration and password rules.")
    def store(self, info: strawberry.Info) -> Store:
        return _store(info.context.rt.policy, info.context.language)

    @strawberry.field(permission_classes=[IsStaff], description="Staff: the active store policy.")
    def store_policy(self, info: strawberry.Info) -> StorePolicy:
        rt = info.context.rt
        policy = rt.policy
        return StorePolicy(
            store=_store(policy, info.context.language),
            profile=rt.settings.store_profile,
            two_factor=TwoFactorRequirement(policy.two_factor.value),
            staff_two_factor=TwoFactorRequirement(policy.staff_two_factor.value),
            password_reset=PasswordResetFlow(policy.password_reset.value),
            points_rate_percent=policy.points_rate_percent,
        )
