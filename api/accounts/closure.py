"""Closing an account (退会): the user can no longer sign in, and their personal
data is anonymised or kept as the `withdrawal_personal_data` setting says.

Ids never change and no row is deleted, so orders, invoices and the audit trail
keep pointing at the same customer for accounting. Anonymising frees the email
address: the person may register again later, as a new account.
"""

from __future__ import annotations

from api import clock
from api.accounts.models import (
    BackupCode,
    EmailToken,
    LoginChallenge,
    User,
    UserKind,
    UserStatus,
)
from api.accounts.registration import USER_STATUS
from api.accounts.security import after_credentials_change
from api.companies.models import Address
from api.companies.permissions import ADMINISTRATOR
from api.errors import DomainError
from api.settings import WithdrawalPersonalData

ANONYMOUS_NAME = "退会済み会員"
UNUSABLE_PASSWORD = "!closed"  # noqa: S105 - not a hash: no password ever verifies against it


def placeholder_email(user_id: int) -> str:
    """Unique per account and undeliverable (RFC 6761 reserves .invalid)."""
    return f"withdrawn+{user_id}@withdrawn.invalid"


def _anonymised(user_id: int) -> dict[str, object]:
    return {
        "email": placeholder_email(user_id),
        "password_hash": UNUSABLE_PASSWORD,
        "family_name": ANONYMOUS_NAME,
        "given_name": "",
        "family_name_kana": "",
        "given_name_kana": "",
        "department": "",
        "phone": "",
        "postal_code": "",
        "prefecture": "",
        "address_line1": "",
        "address_line2": "",
        "newsletter_opt_in": False,
        "direct_mail_opt_in": False,
        "two_factor_enabled": False,
        "totp_secret_encrypted": "",
        "totp_confirmed_at": None,
    }


async def ensure_company_keeps_an_administrator(user: User) -> None:
    """A company's last administrator cannot leave colleagues without one.

    They make a colleague administrator first. Alone in the company, they may go.
    """
    if user.kind != UserKind.MEMBER or user.company_id is None or user.role_key != ADMINISTRATOR:
        return
    colleagues = User.filter(
        company_id=user.company_id, status=UserStatus.ACTIVE, kind=UserKind.MEMBER
    ).exclude(id=user.id)
    if await colleagues.exists() and not await colleagues.filter(role_key=ADMINISTRATOR).exists():
        raise DomainError.of("LAST_ADMINISTRATOR")


async def close_account(
    user: User,
    personal_data: WithdrawalPersonalData,
    *,
    actor_id: int,
    reason: str,
) -> User:
    """ACTIVE -> CLOSED in one conditional UPDATE, then end every way back in.

    Call inside a unit of work, after queueing any mail that needs the original
    address: anonymising replaces it.
    """
    await ensure_company_keeps_an_administrator(user)
    changes = _anonymised(user.id) if personal_data == WithdrawalPersonalData.ANONYMIZE else {}
    await USER_STATUS.transition(
        user, UserStatus.CLOSED, actor_id=actor_id, reason=reason, **changes
    )
    now = clock.now()
    await after_credentials_change(user.id)
    # Links in mails (verification, reset, email change) and half-done sign-ins die too.
    await EmailToken.filter(user_id=user.id, used_at__isnull=True).update(used_at=now)
    await LoginChallenge.filter(user_id=user.id, used_at__isnull=True).update(used_at=now)
    if personal_data == WithdrawalPersonalData.ANONYMIZE:
        await EmailToken.filter(user_id=user.id).exclude(new_email="").update(new_email="")
        await BackupCode.filter(user_id=user.id).delete()
        # A personal address book (individual members); company addresses stay the company's.
        await Address.filter(user_id=user.id, company_id__isnull=True).delete()
    return user
