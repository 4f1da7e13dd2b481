"""Companies and their people: invitations, approval, roles, profile, address book.

Every operation takes the acting user and checks, here and not only in the
schema, that the target belongs to the actor's company and that the actor's
role grants the permission. Objects of another company are "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from api import clock
from api.accounts.models import SecurityEventKind, User, UserKind, UserStatus
from api.accounts.passwords import check_password, hash_password_async
from api.accounts.registration import USER_STATUS
from api.accounts.security import ClientInfo, record_event, revoke_sessions
from api.companies import roles
from api.companies.models import Address, Company, CompanyRole, Invitation, InvitationStatus
from api.companies.permissions import ADMINISTRATOR, CUSTOM_PREFIX, MemberPermission
from api.db import unit_of_work
from api.errors import DomainError, Problems
from api.legal.models import LegalDocumentKind
from api.legal.service import current_documents, record_consents
from api.notifications.outbox import queue_mail
from api.runtime import Runtime
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

INVITATION_DAYS = 7


async def require(actor: User, permission: MemberPermission) -> None:
    if permission.value not in await roles.permissions_of(actor):
        raise DomainError.of("FORBIDDEN")


def _company_of(actor: User) -> int:
    if actor.company_id is None:
        raise DomainError.of("FORBIDDEN")
    return actor.company_id


async def colleague(actor: User, user_id: int, field: str = "userId") -> User:
    """A member of the actor's company; anything else is not found."""
    user = await User.get_or_none(id=user_id, company_id=_company_of(actor), kind=UserKind.MEMBER)
    if user is None:
        raise DomainError.of("NOT_FOUND", field)
    return user


def _usable_admins(company_id: int) -> Any:
    """Administrators who can act: active and not locked."""
    return User.filter(
        company_id=company_id,
        role_key=ADMINISTRATOR,
        status=UserStatus.ACTIVE,
        kind=UserKind.MEMBER,
        locked_at__isnull=True,
    )


async def administrators(company_id: int) -> list[User]:
    return await _usable_admins(company_id)


async def _lock_company(company_id: int) -> None:
    """Serialise changes to a company's people (a row lock on PostgreSQL; SQLite
    serialises writers already), so two administrators demoting each other cannot
    both win."""
    await Company.filter(id=company_id).select_for_update().first()


async def _ensure_another_admin(user: User) -> None:
    """The last usable administrator can be neither demoted, locked nor removed.

    Called inside a unit of work after _lock_company, so the count cannot go stale.
    """
    if user.role_key != ADMINISTRATOR:
        return
    if not await _usable_admins(user.company_id).exclude(id=user.id).exists():
        raise DomainError.of("LAST_ADMINISTRATOR", "userId")


def _require_administrator(actor: User) -> None:
    """Only an administrator hands out or takes away the administrator role."""
    if actor.role_key != ADMINISTRATOR:
        raise DomainError.of("FORBIDDEN", "roleId")


# ---- invitations ----------------------------------------------------------------------


def _invite_url(rt: Runtime, raw: str) -> str:
    return f"{rt.settings.public_base_url}/accept-invitation?token={raw}"


async def invite(rt: Runtime, actor: User, email: str, role_key: str, message: str) -> Invitation:
    await require(actor, MemberPermission.MANAGE_USERS)
    company_id = _company_of(actor)
    problems = Problems()
    email = normalize_email(email)
    if not is_valid_email(email):
        problems.add("INVALID_EMAIL", "email")
    message = message.strip()
    if len(message) > 2000:
        problems.add("TOO_LONG", "message", max=2000)
    problems.raise_if_any()
    await roles.require_role(company_id, role_key)
    await rt.limiter.hit("invite", str(company_id), 50, 3600)
    if role_key == ADMINISTRATOR:
        _require_administrator(actor)
    # Say so only for the inviter's own company: whether an address is registered
    # elsewhere is not the inviter's to learn (accepting such an invitation fails
    # for its owner with ALREADY_REGISTERED).
    if await User.exists(email=email, company_id=company_id):
        raise DomainError.of("ALREADY_MEMBER", "email")
    if await Invitation.exists(
        company_id=company_id,
        email=email,
        status=InvitationStatus.PENDING,
        expires_at__gt=clock.now(),
    ):
        raise DomainError.of("ALREADY_INVITED", "email")
    raw, digest = new_token()
    company = await Company.get(id=company_id)
    async with unit_of_work():
        invitation = await Invitation.create(
            company_id=company_id,
            email=email,
            role_key=role_key,
            message=message,
            token_hash=digest,
            invited_by=actor,
            expires_at=clock.now() + timedelta(days=INVITATION_DAYS),
        )
        await _send_invitation(rt, invitation, company, actor, raw)
    return invitation


async def _send_invitation(
    rt: Runtime, invitation: Invitation, company: Company, actor: User, raw: str
) -> None:
    await queue_mail(
        rt,
        "invitation",
        invitation.email,
        {
            "company": company.name,
            "inviter": actor.full_name,
            "message": invitation.message,
            "accept_url": _invite_url(rt, raw),
            "days": INVITATION_DAYS,
        },
        actor.language,
    )


async def _company_invitation(actor: User, invitation_id: int) -> Invitation:
    await require(actor, MemberPermission.MANAGE_USERS)
    invitation = await Invitation.get_or_none(id=invitation_id, company_id=_company_of(actor))
    if invitation is None:
        raise DomainError.of("NOT_FOUND", "invitationId")
    return invitation


async def resend_invitation(rt: Runtime, actor: User, invitation_id: int) -> Invitation:
    """A fresh link and expiry; the old link dies (only the new hash is kept)."""
    invitation = await _company_invitation(actor, invitation_id)
    if invitation.status != InvitationStatus.PENDING:
        raise DomainError.of("INVALID_STATUS", "invitationId")
    await rt.limiter.hit("invite-resend", str(invitation.id), 5, 3600)
    raw, digest = new_token()
    company = await Company.get(id=invitation.company_id)
    async with unit_of_work():
        updated = await Invitation.filter(id=invitation.id, status=InvitationStatus.PENDING).update(
            token_hash=digest,
            expires_at=clock.now() + timedelta(days=INVITATION_DAYS),
            sent_count=invitation.sent_count + 1,
        )
        if not updated:
            raise DomainError.of("INVALID_STATUS", "invitationId")
        await _send_invitation(rt, invitation, company, actor, raw)
    await invitation.refresh_from_db()
    return invitation


async def revoke_invitation(rt: Runtime, actor: User, invitation_id: int) -> Invitation:
    invitation = await _company_invitation(actor, invitation_id)
    if not await Invitation.filter(id=invitation.id, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED
    ):
        raise DomainError.of("INVALID_STATUS", "invitationId")
    await invitation.refresh_from_db()
    return invitation


async def open_invitation(raw: str) -> tuple[Invitation, Company]:
    invitation = await Invitation.get_or_none(token_hash=hash_token(raw.strip()))
    if invitation is None or invitation.status != InvitationStatus.PENDING:
        raise DomainError.of("TOKEN_INVALID", "token")
    if invitation.expires_at <= clock.now():
        raise DomainError.of("TOKEN_EXPIRED", "token")
    return invitation, await Company.get(id=invitation.company_id)


@dataclass
class InviteeForm:
    password: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    phone: str
    department: str = ""
    terms_of_use_version: int | None = None
    privacy_policy_version: int | None = None
    language: str = "ja"


def _clean_person(data: dict[str, Any], problems: Problems, required: tuple[str, ...]) -> None:
    """Normalise person fields in place (names, kana, phone, department)."""
    names = {
        "family_name": "familyName",
        "given_name": "givenName",
        "family_name_kana": "familyNameKana",
        "given_name_kana": "givenNameKana",
        "department": "department",
    }
    for key, field in names.items():
        if key not in data or data[key] is None:
            continue
        value = nfkc(data[key])
        if key.endswith("_kana"):
            value = normalize_kana(value)
            if value and not is_kana(value):
                problems.add("INVALID_KANA", field)
        limit = 128 if key == "department" else 64
        if len(value) > limit:
            problems.add("TOO_LONG", field, max=limit)
        data[key] = value
    for key in required:
        if not data.get(key):
            problems.add("REQUIRED", names.get(key, key))
    if data.get("phone") is not None:
        phone = normalize_phone(data["phone"])
        if not data["phone"].strip():
            if "phone" in required:
                problems.add("REQUIRED", "phone")
        elif phone is None:
            problems.add("INVALID_PHONE", "phone")
        else:
            data["phone"] = phone


async def accept_invitation(rt: Runtime, raw: str, form: InviteeForm, client: ClientInfo) -> User:
    """The invitee registers (email fixed by the invitation); the company approves later."""
    invitation, company = await open_invitation(raw)
    problems = Problems()
    data = {
        "family_name": form.family_name,
        "given_name": form.given_name,
        "family_name_kana": form.family_name_kana,
        "given_name_kana": form.given_name_kana,
        "phone": form.phone,
        "department": form.department,
    }
    _clean_person(
        data,
        problems,
        ("family_name", "given_name", "family_name_kana", "given_name_kana", "phone"),
    )
    check_password(rt.policy.password, form.password, invitation.email, problems)
    documents = await current_documents()
    for kind, version, field in (
        (LegalDocumentKind.TERMS_OF_USE, form.terms_of_use_version, "termsOfUseVersion"),
        (LegalDocumentKind.PRIVACY_POLICY, form.privacy_policy_version, "privacyPolicyVersion"),
    ):
        current = documents.get(kind)
        if version is None:
            problems.add("CONSENT_REQUIRED", field)
        elif current is None or current.version != version:
            problems.add("CONSENT_OUTDATED", field)
    problems.raise_if_any()
    password_hash = await hash_password_async(rt.settings, form.password)
    now = clock.now()
    try:
        async with unit_of_work():
            if not await Invitation.filter(
                id=invitation.id, status=InvitationStatus.PENDING
            ).update(status=InvitationStatus.ACCEPTED):
                raise DomainError.of("TOKEN_INVALID", "token")
            user = await User.create(
                kind=UserKind.MEMBER,
                status=UserStatus.AWAITING_COMPANY_APPROVAL,
                email=invitation.email,
                password_hash=password_hash,
                company_id=company.id,
                role_key=invitation.role_key,
                email_verified_at=now,
                language=form.language,
                **data,
            )
            await Invitation.filter(id=invitation.id).update(accepted_user_id=user.id)
            await record_consents(
                user.id,
                [
                    documents[LegalDocumentKind.TERMS_OF_USE],
                    documents[LegalDocumentKind.PRIVACY_POLICY],
                ],
                client.ip_address,
            )
            for admin in await administrators(company.id):
                await queue_mail(
                    rt,
                    "company_user_waiting",
                    admin.email,
                    {
                        "name": admin.full_name,
                        "applicant": user.full_name,
                        "applicant_email": user.email,
                        "users_url": rt.settings.public_base_url + "/company/users",
                    },
                    admin.language,
                )
    except IntegrityError:
        raise DomainError.of("ALREADY_REGISTERED", "token") from None
    return user


# ---- company users --------------------------------------------------------------------


async def _awaiting(actor: User, user_id: int) -> User:
    user = await colleague(actor, user_id)
    if user.status != UserStatus.AWAITING_COMPANY_APPROVAL:
        raise DomainError.of("INVALID_STATUS", "userId")
    return user


async def approve_member(rt: Runtime, actor: User, user_id: int) -> User:
    await require(actor, MemberPermission.MANAGE_USERS)
    user = await _awaiting(actor, user_id)
    async with unit_of_work():
        await USER_STATUS.transition(
            user,
            UserStatus.ACTIVE,
            actor_id=actor.id,
            reason="approved by company administrator",
            approved_at=clock.now(),
        )
        await queue_mail(
            rt,
            "company_user_approved",
            user.email,
            {
                "name": user.full_name,
                "company": (await Company.get(id=user.company_id)).name,
                "login_id": user.email,
                "login_url": rt.settings.public_base_url + "/login",
            },
            user.language,
        )
    return user


async def reject_member(rt: Runtime, actor: User, user_id: int, reason: str) -> User:
    await require(actor, MemberPermission.MANAGE_USERS)
    user = await _awaiting(actor, user_id)
    reason = reason.strip()[:2000]
    async with unit_of_work():
        await USER_STATUS.transition(
            user,
            UserStatus.REJECTED,
            actor_id=actor.id,
            reason=reason or "rejected by company administrator",
            rejection_reason=reason,
        )
        await queue_mail(
            rt,
            "company_user_rejected",
            user.email,
            {
                "name": user.full_name,
                "company": (await Company.get(id=user.company_id)).name,
                "reason": reason,
            },
            user.language,
        )
    return user


async def change_role(rt: Runtime, actor: User, user_id: int, role_key: str) -> User:
    await require(actor, MemberPermission.MANAGE_USERS)
    user = await colleague(actor, user_id)
    await roles.require_role(user.company_id, role_key)
    if user.role_key == role_key:
        return user
    if ADMINISTRATOR in (role_key, user.role_key):
        _require_administrator(actor)
    async with unit_of_work():
        await _lock_company(user.company_id)
        await user.refresh_from_db()
        await _ensure_another_admin(user)
        await User.filter(id=user.id).update(role_key=role_key)
    await user.refresh_from_db()
    return user


async def set_member_lock(
    rt: Runtime, actor: User, user_id: int, locked: bool, client: ClientInfo
) -> User:
    await require(actor, MemberPermission.MANAGE_USERS)
    user = await colleague(actor, user_id)
    if user.id == actor.id:
        raise DomainError.of("INVALID_STATUS", "userId")  # no locking yourself out
    async with unit_of_work():
        await _lock_company(user.company_id)
        if locked:
            await _ensure_another_admin(user)
            if not await User.filter(id=user.id, locked_at__isnull=True).update(
                locked_at=clock.now(), lock_reason="locked by company administrator"
            ):
                raise DomainError.of("INVALID_STATUS", "userId")
            await revoke_sessions(user.id)
            await record_event(
                user.id,
                SecurityEventKind.LOCKED,
                client,
                actor_id=actor.id,
                detail="company administrator",
            )
        else:
            if not await User.filter(id=user.id, locked_at__not_isnull=True).update(
                locked_at=None, lock_reason="", failed_login_count=0
            ):
                raise DomainError.of("INVALID_STATUS", "userId")
            await record_event(
                user.id,
                SecurityEventKind.UNLOCKED,
                client,
                actor_id=actor.id,
                detail="company administrator",
            )
    await user.refresh_from_db()
    return user


async def remove_member(rt: Runtime, actor: User, user_id: int) -> User:
    await require(actor, MemberPermission.MANAGE_USERS)
    user = await colleague(actor, user_id)
    if user.id == actor.id:
        raise DomainError.of("INVALID_STATUS", "userId")
    async with unit_of_work():
        await _lock_company(user.company_id)
        await _ensure_another_admin(user)
        await USER_STATUS.transition(
            user, UserStatus.REMOVED, actor_id=actor.id, reason="removed by company administrator"
        )
        await revoke_sessions(user.id)
    return user


# ---- custom roles -----------------------------------------------------------------------


def _clean_role(name: str, permissions: list[str]) -> tuple[str, list[str]]:
    problems = Problems()
    name = nfkc(name)
    if not name:
        problems.add("REQUIRED", "name")
    elif len(name) > 64:
        problems.add("TOO_LONG", "name", max=64)
    valid = {p.value for p in MemberPermission}
    if any(p not in valid for p in permissions):
        problems.add("INVALID_PERMISSION", "permissions")
    problems.raise_if_any()
    return name, sorted(set(permissions))


async def create_role(actor: User, name: str, permissions: list[str]) -> CompanyRole:
    await require(actor, MemberPermission.MANAGE_USERS)
    name, perms = _clean_role(name, permissions)
    try:
        return await CompanyRole.create(company_id=_company_of(actor), name=name, permissions=perms)
    except IntegrityError:
        raise DomainError.of("ROLE_NAME_TAKEN", "name") from None


async def _company_role(actor: User, role_id: int) -> CompanyRole:
    await require(actor, MemberPermission.MANAGE_USERS)
    role = await CompanyRole.get_or_none(id=role_id, company_id=_company_of(actor))
    if role is None:
        raise DomainError.of("NOT_FOUND", "roleId")
    return role


async def update_role(actor: User, role_id: int, name: str, permissions: list[str]) -> CompanyRole:
    role = await _company_role(actor, role_id)
    name, perms = _clean_role(name, permissions)
    role.name, role.permissions = name, perms
    try:
        await role.save()
    except IntegrityError:
        raise DomainError.of("ROLE_NAME_TAKEN", "name") from None
    return role


async def delete_role(actor: User, role_id: int) -> None:
    role = await _company_role(actor, role_id)
    key = f"{CUSTOM_PREFIX}{role.id}"
    in_use = (
        await User.filter(company_id=role.company_id, role_key=key)
        .exclude(status__in=[UserStatus.REMOVED, UserStatus.CLOSED, UserStatus.REJECTED])
        .exists()
        or await Invitation.filter(
            company_id=role.company_id, role_key=key, status=InvitationStatus.PENDING
        ).exists()
    )
    if in_use:
        raise DomainError.of("ROLE_IN_USE", "roleId")
    await role.delete()


# ---- profile and company information ---------------------------------------------------

PROFILE_FIELDS = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "department",
    "phone",
    "postal_code",
    "prefecture",
    "address_line1",
    "address_line2",
    "newsletter_opt_in",
    "direct_mail_opt_in",
    "language",
)
ADDRESS_PARTS = ("postal_code", "prefecture", "address_line1", "address_line2")


def _clean_address_parts(data: dict[str, Any], problems: Problems, prefix: str = "") -> None:
    if data.get(f"{prefix}postal_code") is not None:
        postal = normalize_postal_code(data[f"{prefix}postal_code"])
        if postal is None:
            problems.add("INVALID_POSTAL_CODE", _camel(f"{prefix}postal_code"))
        else:
            data[f"{prefix}postal_code"] = postal
    if data.get(f"{prefix}prefecture") is not None:
        data[f"{prefix}prefecture"] = nfkc(data[f"{prefix}prefecture"])
        if data[f"{prefix}prefecture"] not in PREFECTURES:
            problems.add("INVALID_PREFECTURE", _camel(f"{prefix}prefecture"))
    for key in (f"{prefix}address_line1", f"{prefix}address_line2"):
        if data.get(key) is not None:
            data[key] = nfkc(data[key])
            if len(data[key]) > 255:
                problems.add("TOO_LONG", _camel(key), max=255)
    if data.get(f"{prefix}address_line1") == "":
        problems.add("REQUIRED", _camel(f"{prefix}address_line1"))


FIELD_LABELS = {
    "family_name": ("姓", "family name"), "given_name": ("名", "given name"),
    "family_name_kana": ("姓（カナ）", "family name (kana)"),
    "given_name_kana": ("名（カナ）", "given name (kana)"),
    "department": ("部署", "department"), "phone": ("電話番号", "phone"),
    "postal_code": ("郵便番号", "postal code"), "prefecture": ("都道府県", "prefecture"),
    "address_line1": ("住所", "address"), "address_line2": ("建物名など", "address line 2"),
    "newsletter_opt_in": ("メールマガジン", "newsletter"),
    "direct_mail_opt_in": ("ダイレクトメール", "direct mail"),
    "language": ("言語", "language"), "name": ("会社名", "company name"),
    "name_kana": ("会社名（カナ）", "company name (kana)"),
    "billing_name": ("請求先名", "billing name"),
    "billing_department": ("請求先部署", "billing department"),
    "billing_postal_code": ("請求先郵便番号", "billing postal code"),
    "billing_prefecture": ("請求先都道府県", "billing prefecture"),
    "billing_address_line1": ("請求先住所", "billing address"),
    "billing_address_line2": ("請求先建物名など", "billing address line 2"),
    "billing_phone": ("請求先電話番号", "billing phone"),
}  # fmt: skip


def _label(field: str, language: str) -> str:
    ja, en = FIELD_LABELS.get(field, (field, field))
    return ja if language == "ja" else en


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() if not p.isdigit() else p for p in rest)


async def update_profile(rt: Runtime, user: User, changes: dict[str, Any]) -> User:
    """The member's own contact data. Later quotes and orders copy it; earlier ones keep theirs."""
    changes = {k: v for k, v in changes.items() if k in PROFILE_FIELDS and v is not None}
    problems = Problems()
    _clean_person(changes, problems, ())
    for key in ("family_name", "given_name", "phone"):
        if key in changes and not changes[key]:
            problems.add("REQUIRED", _camel(key))
    _clean_address_parts(changes, problems)
    if "language" in changes and changes["language"] not in ("ja", "en"):
        problems.add("INVALID_LANGUAGE", "language")
    problems.raise_if_any()
    changed = [k for k, v in changes.items() if getattr(user, k) != v]
    if not changed:
        return user
    async with unit_of_work():
        await User.filter(id=user.id).update(**{k: changes[k] for k in changed})
        await user.refresh_from_db()
        await queue_mail(
            rt,
            "profile_changed",
            user.email,
            {
                "name": user.full_name,
                "fields": [_label(k, user.language) for k in changed],
            },
            user.language,
        )
    return user


COMPANY_FIELDS = (
    "name",
    "name_kana",
    "postal_code",
    "prefecture",
    "address_line1",
    "address_line2",
    "phone",
    "billing_name",
    "billing_department",
    "billing_postal_code",
    "billing_prefecture",
    "billing_address_line1",
    "billing_address_line2",
    "billing_phone",
)


async def update_company(rt: Runtime, actor: User, changes: dict[str, Any]) -> Company:
    await require(actor, MemberPermission.MANAGE_COMPANY)
    company = await Company.get(id=_company_of(actor))
    changes = {k: v for k, v in changes.items() if k in COMPANY_FIELDS and v is not None}
    problems = Problems()
    for key in ("name", "name_kana", "billing_name", "billing_department"):
        if key in changes:
            changes[key] = nfkc(changes[key])
            if len(changes[key]) > 255:
                problems.add("TOO_LONG", _camel(key), max=255)
    if "name" in changes and not changes["name"]:
        problems.add("REQUIRED", "name")
    if changes.get("name_kana"):
        changes["name_kana"] = normalize_kana(changes["name_kana"])
        if not is_kana(changes["name_kana"]):
            problems.add("INVALID_KANA", "nameKana")
    for key in ("phone", "billing_phone"):
        if changes.get(key):
            phone = normalize_phone(changes[key])
            if phone is None:
                problems.add("INVALID_PHONE", _camel(key))
            else:
                changes[key] = phone
    _clean_address_parts(changes, problems)
    billing = {k: v for k, v in changes.items() if k.startswith("billing_")}
    if any(billing.get(f"billing_{p}") for p in ADDRESS_PARTS):
        _clean_address_parts(changes, problems, "billing_")
    problems.raise_if_any()
    changed = [k for k, v in changes.items() if getattr(company, k) != v]
    if not changed:
        return company
    async with unit_of_work():
        await Company.filter(id=company.id).update(**{k: changes[k] for k in changed})
        await company.refresh_from_db()
        for admin in await administrators(company.id):
            await queue_mail(
                rt,
                "company_changed",
                admin.email,
                {
                    "name": admin.full_name,
                    "company": company.name,
                    "by": actor.full_name,
                    "fields": [_label(k, admin.language) for k in changed],
                },
                admin.language,
            )
    return company


# ---- address book -----------------------------------------------------------------------


def address_owner(actor: User) -> dict[str, int]:
    """A company's book is shared by its members; an individual has their own."""
    if actor.company_id is not None:
        return {"company_id": actor.company_id}
    return {"user_id": actor.id}


ADDRESS_FIELDS = (
    "label",
    "recipient_name",
    "recipient_name_kana",
    "company_name",
    "department",
    "postal_code",
    "prefecture",
    "address_line1",
    "address_line2",
    "phone",
)


def _clean_address(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    data = {k: v for k, v in data.items() if k in ADDRESS_FIELDS and v is not None}
    problems = Problems()
    for key in ("label", "recipient_name", "recipient_name_kana", "company_name", "department"):
        if key in data:
            data[key] = nfkc(data[key])
    if data.get("recipient_name_kana"):
        data["recipient_name_kana"] = normalize_kana(data["recipient_name_kana"])
        if not is_kana(data["recipient_name_kana"]):
            problems.add("INVALID_KANA", "recipientNameKana")
    required = ("recipient_name", "postal_code", "prefecture", "address_line1", "phone")
    for key in required:
        if (not partial or key in data) and not data.get(key):
            problems.add("REQUIRED", _camel(key))
    limits = {
        "label": 64,
        "recipient_name": 128,
        "recipient_name_kana": 128,
        "company_name": 255,
        "department": 128,
    }
    for key, limit in limits.items():
        if len(data.get(key, "")) > limit:
            problems.add("TOO_LONG", _camel(key), max=limit)
    if data.get("phone"):
        phone = normalize_phone(data["phone"])
        if phone is None:
            problems.add("INVALID_PHONE", "phone")
        else:
            data["phone"] = phone
    if data.get("postal_code") or data.get("prefecture"):
        present = {k: data[k] for k in ("postal_code", "prefecture") if data.get(k)}
        _clean_address_parts(present, problems)
        data.update(present)
    problems.raise_if_any()
    return data


async def _book_address(actor: User, address_id: int) -> Address:
    address = await Address.get_or_none(id=address_id, **address_owner(actor))
    if address is None:
        raise DomainError.of("NOT_FOUND", "addressId")
    return address


async def create_address(actor: User, data: dict[str, Any], make_default: bool) -> Address:
    await require(actor, MemberPermission.MANAGE_ADDRESSES)
    clean = _clean_address(data, partial=False)
    owner = address_owner(actor)
    async with unit_of_work():
        if await Address.filter(**owner).count() >= 200:
            raise DomainError.of("ADDRESS_BOOK_FULL")
        first = not await Address.exists(**owner)
        if make_default or first:
            await Address.filter(**owner).update(is_default=False)
        return await Address.create(**owner, **clean, is_default=make_default or first)


async def update_address(actor: User, address_id: int, data: dict[str, Any]) -> Address:
    await require(actor, MemberPermission.MANAGE_ADDRESSES)
    address = await _book_address(actor, address_id)
    clean = _clean_address(data, partial=True)
    if clean:
        await Address.filter(id=address.id).update(**clean)
        await address.refresh_from_db()
    return address


async def set_default_address(actor: User, address_id: int) -> Address:
    await require(actor, MemberPermission.MANAGE_ADDRESSES)
    address = await _book_address(actor, address_id)
    async with unit_of_work():
        await Address.filter(**address_owner(actor)).update(is_default=False)
        await Address.filter(id=address.id).update(is_default=True)
    address.is_default = True
    return address


async def delete_address(actor: User, address_id: int) -> None:
    await require(actor, MemberPermission.MANAGE_ADDRESSES)
    address = await _book_address(actor, address_id)
    async with unit_of_work():
        await address.delete()
        if address.is_default:
            # Keep a default while the book has entries: the oldest remaining one.
            nxt = await Address.filter(**address_owner(actor)).order_by("id").first()
            if nxt:
                await Address.filter(id=nxt.id).update(is_default=True)
