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


SALE_TERMS = """第1条（売買契約の成立）ご注文に対し当ストアが受注を確認した時点で
売買契約が成立します。
第2条（お支払い）お客様はご注文時に選択した支払方法により代金をお支払いいただきます。
第3条（返品）商品に瑕疵がある場合を除き、お客様のご都合による返品はお受けできません。"""

SERVICE_TERMS = """第1条（契約期間）サービスの契約期間は、ご注文時に選択したプランに従います。
第2条（変更・解約）契約内容の変更及び解約は、当ストア所定の手続きによりお申し込みください。"""

DEFERRED_PAYMENT_TERMS = """NP掛け払いは、決済代行会社の審査を経てご利用いただける
請求書払いです。締め日までのご利用分を翌月にまとめてご請求します。"""

# Version 1 of every kind of legal document, so registration and checkout work at once.
DEMO_LEGAL = (
    (LegalDocumentKind.TERMS_OF_USE, "利用規約", TERMS),
    (LegalDocumentKind.PRIVACY_POLICY, "個人情報の取扱いについて", PRIVACY),
    (LegalDocumentKind.TERMS_OF_SALE, "売買利用規約", SALE_TERMS),
    (LegalDocumentKind.SERVICE_TERMS, "サービス利用規約", SERVICE_TERMS),
    (LegalDocumentKind.DEFERRED_PAYMENT_TERMS, "NP掛け払い利用規約", DEFERRED_PAYMENT_TERMS),
)


async def seed_demo(settings: Settings, *, store_catalog: bool = False) -> list[str]:
    """Demo accounts, companies and a catalog; idempotent.

    `store_catalog=True` (what `torihiki dev` and `seed-demo` use) seeds only the
    catalog the running store profile sells; the tests take the full demo catalog
    so that every kind of product is there whatever the profile.
    """
    done: list[str] = []
    for kind, title, body in DEMO_LEGAL:
        if not await LegalDocument.exists(kind=kind):
            await legal.publish(kind, title, body)
            done.append(f"{kind.value.replace('_', ' ')} v1")
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
