"""Demo companies: two companies with administrators, general users and a custom role."""

from __future__ import annotations

from api import clock
from api.accounts.models import User, UserKind, UserStatus
from api.companies.models import Address, Company, CompanyRole
from api.companies.permissions import ADMINISTRATOR, CUSTOM_PREFIX, DEFAULT_STAFF_ROLE, GENERAL

DEMO_GENERAL_EMAIL = "general@example.com"
DEMO_OTHER_ADMIN_EMAIL = "admin@mirai.example.com"
DEMO_OTHER_GENERAL_EMAIL = "user@mirai.example.com"
DEMO_OTHER_QUOTES_EMAIL = "quotes@mirai.example.com"


async def seed_companies(
    password_hash: str, member_email: str, staff_email: str, applicant_email: str
) -> list[str]:
    done: list[str] = []
    now = clock.now()
    # Roles of the first demo users (registrants administer their company).
    await User.filter(email__in=[member_email, applicant_email], role_key="").update(
        role_key=ADMINISTRATOR
    )
    await User.filter(email=staff_email, role_key="").update(role_key=DEFAULT_STAFF_ROLE)
    member = await User.get_or_none(email=member_email)
    if member and not await User.exists(email=DEMO_GENERAL_EMAIL):
        await User.create(
            kind=UserKind.MEMBER,
            status=UserStatus.ACTIVE,
            email=DEMO_GENERAL_EMAIL,
            password_hash=password_hash,
            company_id=member.company_id,
            role_key=GENERAL,
            family_name="田中",
            given_name="一郎",
            family_name_kana="タナカ",
            given_name_kana="イチロウ",
            department="営業部",
            phone="0312345679",
            email_verified_at=now,
            approved_at=now,
        )
        await Address.create(
            company_id=member.company_id,
            label="本社",
            recipient_name="山田 太郎",
            company_name="株式会社サンプル商事",
            department="情報システム部",
            postal_code="100-0005",
            prefecture="東京都",
            address_line1="千代田区丸の内1-1-1",
            phone="0312345678",
            is_default=True,
        )
        done.append(f"general user {DEMO_GENERAL_EMAIL} in the member's company")
    if not await User.exists(email=DEMO_OTHER_ADMIN_EMAIL):
        company = await Company.create(
            name="株式会社ミライ物流",
            name_kana="カブシキガイシャミライブツリュウ",
            postal_code="460-0008",
            prefecture="愛知県",
            address_line1="名古屋市中区栄3-3-3",
            phone="0521234567",
            billing_name="株式会社ミライ物流 経理部",
            billing_postal_code="460-0008",
            billing_prefecture="愛知県",
            billing_address_line1="名古屋市中区栄3-3-3",
            billing_phone="0521234568",
        )
        quotes = await CompanyRole.create(
            company=company,
            name="見積担当",
            permissions=["request_quotes", "view_orders", "view_quotes"],
        )
        people = [
            (DEMO_OTHER_ADMIN_EMAIL, ADMINISTRATOR, "鈴木", "美咲", "スズキ", "ミサキ"),
            (DEMO_OTHER_GENERAL_EMAIL, GENERAL, "高橋", "健", "タカハシ", "ケン"),
            (
                DEMO_OTHER_QUOTES_EMAIL,
                f"{CUSTOM_PREFIX}{quotes.id}",
                "伊藤",
                "愛",
                "イトウ",
                "アイ",
            ),
        ]
        for email, role, family, given, family_kana, given_kana in people:
            await User.create(
                kind=UserKind.MEMBER,
                status=UserStatus.ACTIVE,
                email=email,
                password_hash=password_hash,
                company=company,
                role_key=role,
                family_name=family,
                given_name=given,
                family_name_kana=family_kana,
                given_name_kana=given_kana,
                phone="0521234567",
                email_verified_at=now,
                approved_at=now,
            )
        await Address.create(
            company=company,
            label="名古屋倉庫",
            recipient_name="高橋 健",
            company_name="株式会社ミライ物流",
            postal_code="455-0001",
            prefecture="愛知県",
            address_line1="名古屋市港区港栄1-1",
            phone="0529876543",
            is_default=True,
        )
        done.append(
            f"company 株式会社ミライ物流: {DEMO_OTHER_ADMIN_EMAIL} (administrator), "
            f"{DEMO_OTHER_GENERAL_EMAIL} (general), {DEMO_OTHER_QUOTES_EMAIL} (見積担当)"
        )
    return done
