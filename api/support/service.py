"""The contact form (問い合わせ) and withdrawal requests (退会).

Inquiries: anyone may send one (signed in or not) after agreeing to the current
privacy policy. It is stored, acknowledged to the sender and announced to the
store's support address; staff answer it by mail or close it. Anonymous senders
get an acknowledgement without their text: the form must not become a way to
make the store mail arbitrary content to arbitrary addresses.

Withdrawal: a signed-in member asks (password confirmed), staff complete or
reject. Completing closes the account through `api.accounts.closure`.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.exceptions import IntegrityError

from api import clock
from api.accounts.closure import (
    ANONYMOUS_NAME,
    close_account,
    ensure_company_keeps_an_administrator,
    placeholder_email,
)
from api.accounts.models import User, UserKind, UserStatus
from api.accounts.security import confirm_password
from api.actor import Actor
from api.audit.idempotency import check_key, earlier_result, run_once
from api.companies.permissions import ADMINISTRATOR, StaffPermission
from api.contracts import service as contracts
from api.db import unit_of_work
from api.errors import DomainError, Problems
from api.legal.models import LegalDocumentKind
from api.legal.service import current_documents
from api.notifications.outbox import queue_mail
from api.runtime import Runtime
from api.settings import WithdrawalPersonalData
from api.support.models import (
    Inquiry,
    InquiryCategory,
    InquiryStatus,
    WithdrawalRequest,
    WithdrawalStatus,
)
from api.support.states import INQUIRY_STATUS, WITHDRAWAL_STATUS
from api.validation import is_valid_email, nfkc, normalize_email, normalize_phone

# Category names in mails, by mail language.
CATEGORY_LABELS = {
    "ja": {
        InquiryCategory.PRODUCT: "商品・サービスについて",
        InquiryCategory.ORDER: "ご注文・お見積りについて",
        InquiryCategory.ACCOUNT: "会員情報・ログインについて",
        InquiryCategory.BILLING: "お支払い・ご請求について",
        InquiryCategory.OTHER: "その他",
    },
    "en": {
        InquiryCategory.PRODUCT: "Products and services",
        InquiryCategory.ORDER: "Orders and quotes",
        InquiryCategory.ACCOUNT: "Membership and sign-in",
        InquiryCategory.BILLING: "Payment and invoices",
        InquiryCategory.OTHER: "Other",
    },
}


def category_label(category: InquiryCategory, language: str) -> str:
    return CATEGORY_LABELS.get(language, CATEGORY_LABELS["ja"])[category]


NAME_MAX = 128
COMPANY_MAX = 255
SUBJECT_MAX = 200
BODY_MAX = 10_000
REASON_MAX = 2_000


@dataclass
class InquiryForm:
    category: InquiryCategory
    subject: str
    body: str
    name: str = ""
    email: str = ""
    phone: str = ""
    company_name: str = ""
    privacy_policy_version: int | None = None
    language: str = "ja"


def _text(value: str) -> str:
    """NFKC and trimmed, keeping line breaks (a body is several lines)."""
    return "\n".join(nfkc(line) for line in value.replace("\r\n", "\n").split("\n")).strip()


def _clean_inquiry(form: InquiryForm, sender: User | None, documents: dict) -> InquiryForm:
    problems = Problems()
    form.name = nfkc(form.name) or (sender.full_name if sender else "")
    form.company_name = nfkc(form.company_name)
    form.subject = " ".join(nfkc(form.subject).split())
    form.body = _text(form.body)
    for field, value, limit in (
        ("name", form.name, NAME_MAX),
        ("companyName", form.company_name, COMPANY_MAX),
        ("subject", form.subject, SUBJECT_MAX),
        ("body", form.body, BODY_MAX),
    ):
        if len(value) > limit:
            problems.add("TOO_LONG", field, max=limit)
    for field, value in (("name", form.name), ("subject", form.subject), ("body", form.body)):
        if not value:
            problems.add("REQUIRED", field)

    form.email = normalize_email(form.email) or (sender.email if sender else "")
    if not form.email:
        problems.add("REQUIRED", "email")
    elif not is_valid_email(form.email):
        problems.add("INVALID_EMAIL", "email")

    if form.phone.strip():
        phone = normalize_phone(form.phone)
        if phone is None:
            problems.add("INVALID_PHONE", "phone")
        else:
            form.phone = phone
    else:
        form.phone = ""

    current = documents.get(LegalDocumentKind.PRIVACY_POLICY)
    if form.privacy_policy_version is None:
        problems.add("CONSENT_REQUIRED", "privacyPolicyVersion")
    elif current is None or current.version != form.privacy_policy_version:
        problems.add(
            "CONSENT_OUTDATED", "privacyPolicyVersion", current=current.version if current else None
        )
    problems.raise_if_any()
    return form


async def submit_inquiry(
    rt: Runtime,
    actor: Actor,
    form: InquiryForm,
    *,
    idempotency_key: str | None = None,
) -> Inquiry:
    """Store an inquiry, acknowledge it to the sender and tell the store's support address."""
    sender = actor.user
    ip_address = actor.client.ip_address if actor.client else ""
    documents = await current_documents()
    form = _clean_inquiry(form, sender, documents)
    earlier = await earlier_result("inquiry", check_key(idempotency_key))
    if earlier is not None:  # a retry is answered before it counts against the limits
        return await _replayed(earlier, form.email)
    s = rt.settings
    await rt.limiter.hit(
        "inquiry-ip", ip_address or "-", s.inquiry_limit_per_ip, s.inquiry_window_seconds
    )
    await rt.limiter.hit(
        "inquiry-email", form.email, s.inquiry_limit_per_email, s.inquiry_window_seconds
    )
    language = sender.language if sender else form.language

    async def store() -> Inquiry:
        inquiry = await Inquiry.create(
            user_id=sender.id if sender else None,
            category=form.category,
            name=form.name,
            email=form.email,
            phone=form.phone,
            company_name=form.company_name,
            subject=form.subject,
            body=form.body,
            language=language,
            privacy_policy_version=documents[LegalDocumentKind.PRIVACY_POLICY].version,
            ip_address=ip_address[:45],
        )
        await queue_mail(
            rt,
            "inquiry_received",
            inquiry.email,
            {
                "name": inquiry.name,
                "number": inquiry.number,
                "category": category_label(inquiry.category, language),
                # Only a signed-in sender's address is known to be theirs: echo the text
                # to them alone.
                "subject": inquiry.subject if sender else "",
                "body": inquiry.body if sender else "",
            },
            language,
        )
        await queue_mail(
            rt,
            "inquiry_notification",
            rt.policy.support_email,
            {
                "name": inquiry.name,
                "number": inquiry.number,
                "category": category_label(inquiry.category, "ja"),
                "subject": inquiry.subject,
                "body": inquiry.body,
                "email": inquiry.email,
                "phone": inquiry.phone,
                "company_name": inquiry.company_name,
                "member": bool(sender),
            },
            "ja",
        )
        return inquiry

    return await run_once(
        "inquiry",
        idempotency_key,
        work=store,
        ref=lambda inquiry: str(inquiry.id),
        replay=lambda ref: _replayed(ref, form.email),
    )


async def _replayed(result_ref: str, email: str) -> Inquiry:
    inquiry = await Inquiry.get_or_none(id=int(result_ref))
    # A key is only good for the same sender: no reading someone else's inquiry by key.
    if inquiry is None or inquiry.email != email:
        raise DomainError.of("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    return inquiry


async def _inquiry(inquiry_id: int) -> Inquiry:
    inquiry = await Inquiry.get_or_none(id=inquiry_id)
    if inquiry is None:
        raise DomainError.of("NOT_FOUND", "inquiryId")
    return inquiry


async def answer_inquiry(rt: Runtime, actor: Actor, inquiry_id: int, body: str) -> Inquiry:
    """Mail the answer to the sender and record it; an inquiry is answered once."""
    actor.require(StaffPermission.MANAGE_INQUIRIES)
    inquiry = await _inquiry(inquiry_id)
    actor_id = actor.user_id
    body = _text(body)
    if not body:
        raise DomainError.of("REQUIRED", "body")
    if len(body) > BODY_MAX:
        raise DomainError.of("TOO_LONG", "body", max=BODY_MAX)
    async with unit_of_work():
        await INQUIRY_STATUS.transition(
            inquiry,
            InquiryStatus.ANSWERED,
            actor_id=actor_id,
            reason="answered",
            answer=body,
            answered_by_id=actor_id,
            answered_at=clock.now(),
        )
        await queue_mail(
            rt,
            "inquiry_answer",
            inquiry.email,
            {
                "name": inquiry.name,
                "number": inquiry.number,
                "category": category_label(inquiry.category, inquiry.language),
                "subject": inquiry.subject,
                "body": inquiry.body,
                "answer": body,
            },
            inquiry.language,
        )
    return inquiry


async def close_inquiry(actor: Actor, inquiry_id: int, reason: str = "") -> Inquiry:
    actor.require(StaffPermission.MANAGE_INQUIRIES)
    inquiry = await _inquiry(inquiry_id)
    actor_id = actor.user_id
    async with unit_of_work():
        await INQUIRY_STATUS.transition(
            inquiry,
            InquiryStatus.CLOSED,
            actor_id=actor_id,
            reason=reason[:255] or "closed",
            closed_at=clock.now(),
        )
    return inquiry


# ---- withdrawal ----------------------------------------------------------------------


async def request_withdrawal(
    rt: Runtime, actor: Actor, password: str, reason: str = ""
) -> WithdrawalRequest:
    """Ask to close the account. A repeat while one is open returns that one, no new mail."""
    user = actor.require_user()
    if user.kind != UserKind.MEMBER:
        raise DomainError.of("NOT_A_MEMBER")
    reason = _text(reason)
    if len(reason) > REASON_MAX:
        raise DomainError.of("TOO_LONG", "reason", max=REASON_MAX)
    await confirm_password(rt, user, password, "password")
    # Said now rather than when staff act: the member can fix it (promote a colleague).
    await ensure_company_keeps_an_administrator(user)
    existing = await WithdrawalRequest.get_or_none(open_user_id=user.id)
    if existing is not None:
        return existing
    try:
        async with unit_of_work():
            request = await WithdrawalRequest.create(
                user_id=user.id, open_user_id=user.id, reason=reason
            )
            await queue_mail(
                rt, "withdrawal_requested", user.email, {"name": user.full_name}, user.language
            )
            await queue_mail(
                rt,
                "withdrawal_notification",
                rt.policy.support_email,
                {
                    "name": user.full_name,
                    "email": user.email,
                    "number": f"{request.id:06d}",
                    "reason": reason,
                },
                "ja",
            )
    except IntegrityError:
        # A double click: the other request created it (the unique open_user_id).
        return await WithdrawalRequest.get(open_user_id=user.id)
    return request


async def ensure_contracts_keep_an_administrator(user: User) -> None:
    """Running contracts need someone to change or cancel them (004 §6, §7).

    The company's last administrator cannot leave while it has contracts being set up,
    waiting or active, even alone in the company (then `ensure_company_keeps_an_
    administrator` lets them go): the contracts would have nobody to act for them.
    """
    if user.kind != UserKind.MEMBER or user.company_id is None or user.role_key != ADMINISTRATOR:
        return
    others = User.filter(
        company_id=user.company_id,
        status=UserStatus.ACTIVE,
        kind=UserKind.MEMBER,
        role_key=ADMINISTRATOR,
    ).exclude(id=user.id)
    if await others.exists():
        return
    numbers = await contracts.running_contract_numbers(user.company_id)
    if numbers:
        raise DomainError.of(
            "RUNNING_CONTRACTS_NEED_ADMINISTRATOR",
            "requestId",
            count=len(numbers),
            contracts=numbers[:20],
        )


async def _withdrawal_request(request_id: int) -> WithdrawalRequest:
    request = await WithdrawalRequest.get_or_none(id=request_id)
    if request is None:
        raise DomainError.of("NOT_FOUND", "requestId")
    return request


async def complete_withdrawal(rt: Runtime, actor: Actor, request_id: int) -> WithdrawalRequest:
    """Close the account as the settings say, and tell the member at their address."""
    actor.require(StaffPermission.MANAGE_CUSTOMERS)
    request = await _withdrawal_request(request_id)
    actor_id = actor.user_id
    personal_data = rt.settings.withdrawal_personal_data
    await ensure_contracts_keep_an_administrator(await User.get(id=request.user_id))
    async with unit_of_work():
        await WITHDRAWAL_STATUS.transition(
            request,
            WithdrawalStatus.COMPLETED,
            actor_id=actor_id,
            reason="completed",
            open_user_id=None,
            personal_data=personal_data.value,
            decided_by_id=actor_id,
            decided_at=clock.now(),
        )
        user = await User.get(id=request.user_id)
        if user.status != UserStatus.ACTIVE:
            raise DomainError.of("INVALID_STATUS", "requestId")
        # The address is captured and the mail queued before anonymising replaces it.
        await queue_mail(
            rt, "withdrawal_completed", user.email, {"name": user.full_name}, user.language
        )
        await close_account(
            user, personal_data, actor_id=actor_id, reason=f"withdrawal request {request.id}"
        )
        if personal_data == WithdrawalPersonalData.ANONYMIZE:
            await Inquiry.filter(user_id=user.id).update(
                name=ANONYMOUS_NAME,
                email=placeholder_email(user.id),
                phone="",
                company_name="",
                ip_address="",
            )
    return request


async def reject_withdrawal(
    rt: Runtime, actor: Actor, request_id: int, reason: str
) -> WithdrawalRequest:
    actor.require(StaffPermission.MANAGE_CUSTOMERS)
    request = await _withdrawal_request(request_id)
    actor_id = actor.user_id
    reason = _text(reason)
    if not reason:
        raise DomainError.of("REQUIRED", "reason")
    if len(reason) > REASON_MAX:
        raise DomainError.of("TOO_LONG", "reason", max=REASON_MAX)
    async with unit_of_work():
        await WITHDRAWAL_STATUS.transition(
            request,
            WithdrawalStatus.REJECTED,
            actor_id=actor_id,
            reason=reason,
            open_user_id=None,
            rejection_reason=reason,
            decided_by_id=actor_id,
            decided_at=clock.now(),
        )
        user = await User.get(id=request.user_id)
        await queue_mail(
            rt,
            "withdrawal_rejected",
            user.email,
            {"name": user.full_name, "reason": reason},
            user.language,
        )
    return request
