"""Member registration: application, email verification and operator approval.

The answer to `register` is the same whether or not the address is already
registered (the owner gets a notice mail instead), so the form cannot be used
to find out who is a member.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from api import clock
from api.accounts.models import EmailToken, TokenPurpose, User, UserKind, UserStatus
from api.accounts.passwords import check_password, hash_password_async
from api.audit.models import IdempotencyRecord
from api.audit.state_machine import StateMachine
from api.companies.models import Company
from api.companies.permissions import ADMINISTRATOR
from api.db import unit_of_work
from api.errors import DomainError, Problems
from api.legal.models import LegalDocumentKind
from api.legal.service import current_documents, record_consents
from api.notifications.outbox import queue_mail
from api.runtime import Runtime
from api.stores.policy import RegistrationApproval
from api.tokens import hash_token, new_token
from api.validation import (
    PREFECTURES,
    is_kana,
    is_valid_email,
    nfkc,
    normalize_email,
    normalize_kana,
    normalize_phone,
    normalize_postal_code,
)

log = logging.getLogger(__name__)

USER_STATUS = StateMachine(
    "user",
    {
        UserStatus.UNVERIFIED: frozenset({UserStatus.PENDING_APPROVAL, UserStatus.ACTIVE}),
        UserStatus.PENDING_APPROVAL: frozenset({UserStatus.ACTIVE, UserStatus.REJECTED}),
        UserStatus.AWAITING_COMPANY_APPROVAL: frozenset({UserStatus.ACTIVE, UserStatus.REJECTED}),
        UserStatus.ACTIVE: frozenset({UserStatus.CLOSED, UserStatus.REMOVED}),
        UserStatus.REJECTED: frozenset(),
        UserStatus.REMOVED: frozenset(),
        UserStatus.CLOSED: frozenset(),
    },
)


@dataclass
class RegistrationForm:
    email: str
    password: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    phone: str
    postal_code: str
    prefecture: str
    address_line1: str
    address_line2: str = ""
    company_name: str = ""
    company_name_kana: str = ""
    department: str = ""
    customer_code: str = ""
    newsletter_opt_in: bool = False
    terms_of_use_version: int | None = None
    privacy_policy_version: int | None = None
    language: str = "ja"


_LIMITS = {
    "family_name": 64, "given_name": 64, "family_name_kana": 64, "given_name_kana": 64,
    "address_line1": 255, "address_line2": 255, "company_name": 255, "company_name_kana": 255,
    "department": 128, "customer_code": 64,
}  # fmt: skip
_REQUIRED = ("family_name", "given_name", "family_name_kana", "given_name_kana", "address_line1")
_FIELD_NAMES = {
    "family_name": "familyName", "given_name": "givenName", "family_name_kana": "familyNameKana",
    "given_name_kana": "givenNameKana", "address_line1": "addressLine1",
    "address_line2": "addressLine2", "company_name": "companyName",
    "company_name_kana": "companyNameKana", "department": "department",
    "customer_code": "customerCode",
}  # fmt: skip


def _clean(rt: Runtime, form: RegistrationForm, documents: dict) -> RegistrationForm:
    """Normalise every field and collect every problem; raises with all of them."""
    problems = Problems()
    for name, limit in _LIMITS.items():
        value = nfkc(getattr(form, name))
        if name.endswith("_kana"):
            value = normalize_kana(value)
        setattr(form, name, value)
        if len(value) > limit:
            problems.add("TOO_LONG", _FIELD_NAMES[name], max=limit)
    for name in _REQUIRED:
        if not getattr(form, name):
            problems.add("REQUIRED", _FIELD_NAMES[name])
    for name in ("family_name_kana", "given_name_kana", "company_name_kana"):
        value = getattr(form, name)
        if value and not is_kana(value) and not problems.has(_FIELD_NAMES[name]):
            problems.add("INVALID_KANA", _FIELD_NAMES[name])

    form.email = normalize_email(form.email)
    if not form.email:
        problems.add("REQUIRED", "email")
    elif not is_valid_email(form.email):
        problems.add("INVALID_EMAIL", "email")

    phone = normalize_phone(form.phone)
    if not form.phone.strip():
        problems.add("REQUIRED", "phone")
    elif phone is None:
        problems.add("INVALID_PHONE", "phone")
    else:
        form.phone = phone

    postal = normalize_postal_code(form.postal_code)
    if not form.postal_code.strip():
        problems.add("REQUIRED", "postalCode")
    elif postal is None:
        problems.add("INVALID_POSTAL_CODE", "postalCode")
    else:
        form.postal_code = postal
    form.prefecture = nfkc(form.prefecture)
    if not form.prefecture:
        problems.add("REQUIRED", "prefecture")
    elif form.prefecture not in PREFECTURES:
        problems.add("INVALID_PREFECTURE", "prefecture")

    if rt.policy.registration.company_required or not rt.policy.individual_members:
        if not form.company_name:
            problems.add("COMPANY_REQUIRED", "companyName")
        if not form.company_name_kana:
            problems.add("REQUIRED", "companyNameKana")
    if form.company_name_kana and not form.company_name:
        problems.add("REQUIRED", "companyName")
    if not rt.policy.registration.customer_code_field:
        form.customer_code = ""

    check_password(rt.policy.password, form.password, form.email, problems)

    for kind, version, field in (
        (LegalDocumentKind.TERMS_OF_USE, form.terms_of_use_version, "termsOfUseVersion"),
        (LegalDocumentKind.PRIVACY_POLICY, form.privacy_policy_version, "privacyPolicyVersion"),
    ):
        current = documents.get(kind)
        if version is None:
            problems.add("CONSENT_REQUIRED", field)
        elif current is None or current.version != version:
            problems.add("CONSENT_OUTDATED", field, current=current.version if current else None)
    problems.raise_if_any()
    return form


async def register(
    rt: Runtime,
    form: RegistrationForm,
    *,
    ip_address: str = "",
    idempotency_key: str | None = None,
) -> str:
    """Accept an application. Returns the (normalised) email the mail went to."""
    documents = await current_documents()
    form = _clean(rt, form, documents)
    if idempotency_key:
        done = await IdempotencyRecord.get_or_none(scope="register", key=idempotency_key)
        if done is not None:
            if done.result_ref != form.email:
                raise DomainError.of("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
            return form.email
    await rt.limiter.hit(
        "register-ip",
        ip_address or "-",
        rt.settings.registration_limit_per_ip,
        rt.settings.registration_window_seconds,
    )
    # Hash before looking the address up, so both answers take the same time.
    password_hash = await hash_password_async(rt.settings, form.password)
    try:
        async with unit_of_work():
            if idempotency_key:
                await IdempotencyRecord.create(
                    scope="register", key=idempotency_key, result_ref=form.email
                )
            existing = await User.get_or_none(email=form.email)
            if existing is not None:
                await queue_mail(
                    rt,
                    "registration_exists",
                    form.email,
                    {
                        "name": existing.full_name,
                        "login_url": rt.settings.public_base_url + "/login",
                        "reset_url": rt.settings.public_base_url + "/password-reset",
                    },
                    existing.language,
                )
                return form.email
            company = None
            if form.company_name:
                company = await Company.create(
                    name=form.company_name,
                    name_kana=form.company_name_kana,
                    postal_code=form.postal_code,
                    prefecture=form.prefecture,
                    address_line1=form.address_line1,
                    address_line2=form.address_line2,
                    phone=form.phone,
                )
            user = await User.create(
                kind=UserKind.MEMBER,
                status=UserStatus.UNVERIFIED,
                email=form.email,
                password_hash=password_hash,
                company=company,
                # Whoever registers a company becomes its first administrator.
                role_key=ADMINISTRATOR if company else "",
                family_name=form.family_name,
                given_name=form.given_name,
                family_name_kana=form.family_name_kana,
                given_name_kana=form.given_name_kana,
                department=form.department,
                phone=form.phone,
                postal_code=form.postal_code,
                prefecture=form.prefecture,
                address_line1=form.address_line1,
                address_line2=form.address_line2,
                customer_code=form.customer_code,
                newsletter_opt_in=form.newsletter_opt_in,
                language=form.language,
            )
            await record_consents(
                user.id,
                [
                    documents[LegalDocumentKind.TERMS_OF_USE],
                    documents[LegalDocumentKind.PRIVACY_POLICY],
                ],
                ip_address,
            )
            await _send_verification(rt, user)
    except IntegrityError:
        # A concurrent request with the same key or address won the race; same answer.
        return form.email
    return form.email


async def _send_verification(rt: Runtime, user: User) -> None:
    raw, digest = new_token()
    await EmailToken.create(
        user=user,
        purpose=TokenPurpose.VERIFY_EMAIL,
        token_hash=digest,
        expires_at=clock.now() + timedelta(minutes=rt.settings.email_token_ttl_minutes),
    )
    await queue_mail(
        rt,
        "verify_email",
        user.email,
        {
            "name": user.full_name,
            "verify_url": f"{rt.settings.public_base_url}/verify-email?token={raw}",
            "expires_hours": rt.settings.email_token_ttl_minutes // 60,
        },
        user.language,
    )


async def resend_verification(rt: Runtime, email: str, *, ip_address: str = "") -> None:
    """Send a fresh link (old ones die). Same answer whether or not the address is known."""
    email = normalize_email(email)
    if not is_valid_email(email):
        raise DomainError.of("INVALID_EMAIL", "email")
    await rt.limiter.hit(
        "resend-verify-ip",
        ip_address or "-",
        rt.settings.resend_verification_limit * 5,
        rt.settings.resend_verification_window_seconds,
    )
    await rt.limiter.hit(
        "resend-verify",
        email,
        rt.settings.resend_verification_limit,
        rt.settings.resend_verification_window_seconds,
    )
    async with unit_of_work():
        user = await User.get_or_none(email=email, status=UserStatus.UNVERIFIED)
        if user is None:
            return
        await EmailToken.filter(
            user_id=user.id, purpose=TokenPurpose.VERIFY_EMAIL, used_at__isnull=True
        ).update(used_at=clock.now())
        await _send_verification(rt, user)


async def verify_email(rt: Runtime, raw_token: str) -> User:
    """Use a verification link once. The account becomes active or awaits approval."""
    token = await EmailToken.get_or_none(
        token_hash=hash_token(raw_token.strip()), purpose=TokenPurpose.VERIFY_EMAIL
    )
    if token is None or token.used_at is not None:
        raise DomainError.of("TOKEN_INVALID", "token")
    now = clock.now()
    if token.expires_at <= now:
        raise DomainError.of("TOKEN_EXPIRED", "token")
    async with unit_of_work():
        # Single use even under a double click: only one UPDATE finds it unused.
        if await EmailToken.filter(id=token.id, used_at__isnull=True).update(used_at=now) != 1:
            raise DomainError.of("TOKEN_INVALID", "token")
        user = await User.get(id=token.user_id)
        if user.status != UserStatus.UNVERIFIED:
            raise DomainError.of("TOKEN_INVALID", "token")
        if rt.policy.registration.approval == RegistrationApproval.OPERATOR:
            await USER_STATUS.transition(
                user,
                UserStatus.PENDING_APPROVAL,
                actor_id=user.id,
                reason="email verified",
                email_verified_at=now,
            )
            await queue_mail(
                rt, "application_received", user.email, {"name": user.full_name}, user.language
            )
        else:
            await USER_STATUS.transition(
                user,
                UserStatus.ACTIVE,
                actor_id=user.id,
                reason="email verified",
                email_verified_at=now,
                approved_at=now,
            )
            await queue_mail(
                rt,
                "registration_complete",
                user.email,
                {
                    "name": user.full_name,
                    "login_id": user.email,
                    "login_url": rt.settings.public_base_url + "/login",
                },
                user.language,
            )
    return user


async def approve(rt: Runtime, user: User, *, actor_id: int) -> User:
    async with unit_of_work():
        await USER_STATUS.transition(
            user, UserStatus.ACTIVE, actor_id=actor_id, reason="approved", approved_at=clock.now()
        )
        await queue_mail(
            rt,
            "registration_complete",
            user.email,
            {
                "name": user.full_name,
                "login_id": user.email,
                "login_url": rt.settings.public_base_url + "/login",
            },
            user.language,
        )
    return user


async def reject(rt: Runtime, user: User, reason: str, *, actor_id: int) -> User:
    reason = reason.strip()
    if not reason:
        raise DomainError.of("REQUIRED", "reason")
    if len(reason) > 2000:
        raise DomainError.of("TOO_LONG", "reason", max=2000)
    async with unit_of_work():
        await USER_STATUS.transition(
            user, UserStatus.REJECTED, actor_id=actor_id, reason=reason, rejection_reason=reason
        )
        await queue_mail(
            rt,
            "registration_rejected",
            user.email,
            {"name": user.full_name, "reason": reason},
            user.language,
        )
    return user
