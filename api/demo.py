"""Demo data for the embedded profile: documents to agree to, a staff user, members.

Idempotent: running it again changes nothing that exists.
"""

from __future__ import annotations

from api import clock
from api.accounts.models import User, UserKind, UserStatus
from api.accounts.passwords import hash_password
from api.catalog.demo import DEFAULT_DEMO, PROFILE_CATALOGS, seed_catalog
from api.companies.demo import seed_companies
from api.companies.models import Company
from api.legal import service as legal
from api.legal.models import LegalDocument, LegalDocumentKind
from api.settings import Settings, profile_slug

DEMO_STAFF_EMAIL = "staff@example.com"
DEMO_MEMBER_EMAIL = "member@example.com"
DEMO_APPLICANT_EMAIL = "applicant@example.com"
DEMO_PASSWORD = "Demo-pass-2026"  # noqa: S105 - published demo credentials, embedded profile only

TERMS = """第1条（適用）本規約は、当ストアが提供するサービスの利用条件を定めるものです。
第2条（会員登録）登録希望者が本規約に同意し、当ストア所定の方法で申し込み、当ストアが承認することで会員登録が完了します。
第3条（ログインID及びパスワードの管理）会員は自己の責任においてログインID及びパスワードを管理するものとします。"""

PRIVACY = """当ストアは、お客様の個人情報を、商品・サービスのご提供、ご注文・お問い合わせへの対応、
ご本人確認、メールマガジンの配信（ご希望の方のみ）の目的で利用し、法令に基づく場合を除き第三者に提供しません。"""


async def seed_demo(settings: Settings, *, store_catalog: bool = False) -> list[str]:
    """Demo accounts, companies and a catalog; idempotent.

    `store_catalog=True` (what `torihiki dev` and `seed-demo` use) seeds only the
    catalog the running store profile sells; the tests take the full demo catalog
    so that every kind of product is there whatever the profile.
    """
    done: list[str] = []
    if not await LegalDocument.exists(kind=LegalDocumentKind.TERMS_OF_USE):
        await legal.publish(LegalDocumentKind.TERMS_OF_USE, "利用規約", TERMS)
        done.append("terms of use v1")
    if not await LegalDocument.exists(kind=LegalDocumentKind.PRIVACY_POLICY):
        await legal.publish(LegalDocumentKind.PRIVACY_POLICY, "個人情報の取扱いについて", PRIVACY)
        done.append("privacy policy v1")
    password_hash = hash_password(settings, DEMO_PASSWORD)
    now = clock.now()
    if not await User.exists(email=DEMO_STAFF_EMAIL):
        await User.create(
            kind=UserKind.STAFF,
            status=UserStatus.ACTIVE,
            email=DEMO_STAFF_EMAIL,
            password_hash=password_hash,
            family_name="運営",
            given_name="花子",
            family_name_kana="ウンエイ",
            given_name_kana="ハナコ",
            email_verified_at=now,
            approved_at=now,
        )
        done.append(f"staff {DEMO_STAFF_EMAIL}")
    if not await User.exists(email=DEMO_MEMBER_EMAIL):
        company = await Company.create(
            name="株式会社サンプル商事",
            name_kana="カブシキガイシャサンプルショウジ",
            postal_code="100-0005",
            prefecture="東京都",
            address_line1="千代田区丸の内1-1-1",
            phone="0312345678",
        )
        await User.create(
            kind=UserKind.MEMBER,
            status=UserStatus.ACTIVE,
            email=DEMO_MEMBER_EMAIL,
            password_hash=password_hash,
            company=company,
            family_name="山田",
            given_name="太郎",
            family_name_kana="ヤマダ",
            given_name_kana="タロウ",
            department="情報システム部",
            phone="0312345678",
            postal_code="100-0005",
            prefecture="東京都",
            address_line1="千代田区丸の内1-1-1",
            email_verified_at=now,
            approved_at=now,
        )
        done.append(f"member {DEMO_MEMBER_EMAIL}")
    if not await User.exists(email=DEMO_APPLICANT_EMAIL):
        company = await Company.create(
            name="合同会社みほん",
            name_kana="ゴウドウガイシャミホン",
            postal_code="530-0001",
            prefecture="大阪府",
            address_line1="大阪市北区梅田1-1-1",
            phone="0612345678",
        )
        await User.create(
            kind=UserKind.MEMBER,
            status=UserStatus.PENDING_APPROVAL,
            email=DEMO_APPLICANT_EMAIL,
            password_hash=password_hash,
            company=company,
            family_name="佐藤",
            given_name="次郎",
            family_name_kana="サトウ",
            given_name_kana="ジロウ",
            phone="0612345678",
            postal_code="530-0001",
            prefecture="大阪府",
            address_line1="大阪市北区梅田1-1-1",
            email_verified_at=now,
        )
        done.append(f"applicant {DEMO_APPLICANT_EMAIL} (waiting for approval)")
    roots = DEFAULT_DEMO
    if store_catalog:
        roots = PROFILE_CATALOGS.get(profile_slug(settings.store_profile), DEFAULT_DEMO)
    done += await seed_catalog(roots=roots)
    done += await seed_companies(
        password_hash, DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL, DEMO_APPLICANT_EMAIL
    )
    return done
