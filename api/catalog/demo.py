"""A believable demo catalog, and a fast generator of large catalogs for benchmarks.

`seed_catalog()` builds what the three seed stores sell, one root category
each: SaaS services with monthly and annual plans, options and user-count
rules (`saas`, the B2B SaaS store), goods shipped by the store or directly by
the maker (`goods`, the goods store), and time recorders, forms, cleaning
machines and office supplies with maintenance contracts (`office`, the
members' shop), plus store holidays. It goes through the catalog service, so
every rule holds. `torihiki dev` seeds only the catalog of the running store
profile (`PROFILE_CATALOGS`), so the dev store looks like the store it
configures; the tests seed `DEFAULT_DEMO`, which has every kind of product.

`generate_products(n)` is for benchmarks: bulk inserts, thousands of rows a
second, with the same derived columns the service would write.
"""

from __future__ import annotations

import inspect
import random
from collections.abc import Callable
from datetime import date
from typing import Any

from api import clock
from api.actor import Actor
from api.calendar import service as calendar
from api.calendar.models import StoreHoliday
from api.catalog import service, tax
from api.catalog.models import (
    Category,
    Maker,
    OptionGroup,
    Product,
    ProductKind,
    ProductOption,
    ProductStatus,
    ProductTag,
    ShippingClass,
    SubscriptionPlan,
    Tag,
    TagKind,
    TaxCategory,
)
from api.catalog.service import OptionGroupSpec, OptionSpec

IMG = "https://images.torihiki.example/catalog"

CATEGORIES = [
    ("saas", "クラウドサービス", "Cloud services", None),
    ("saas-attendance", "勤怠管理", "Attendance", "saas"),
    ("saas-expense", "経費精算", "Expenses", "saas"),
    ("saas-security", "セキュリティ", "Security", "saas"),
    ("saas-meeting", "Web会議", "Web meetings", "saas"),
    ("goods", "住まいの設備・グッズ", "Home equipment and goods", None),
    ("goods-air", "換気・空調", "Ventilation and air", "goods"),
    ("goods-light", "照明", "Lighting", "goods"),
    ("goods-furniture", "家具", "Furniture", "goods"),
    ("goods-food", "食品", "Food", "goods"),
    ("office", "業務用品", "Business supplies", None),
    ("office-time", "タイムレコーダー・帳票", "Time recorders and forms", "office"),
    ("office-clean", "清掃機・集塵機", "Cleaning machines and dust collectors", "office"),
    ("office-supplies", "オフィス用品", "Office supplies", "office"),
    ("office-service", "保守・サービス", "Maintenance and services", "office"),
]

TAG_GROUPS = [
    (
        TagKind.BENEFIT,
        "導入効果",
        "Benefits",
        [
            ("コスト削減", "Cost reduction"),
            ("業務効率化", "Efficiency"),
            ("テレワーク推進", "Remote work"),
            ("セキュリティ強化", "Security"),
            ("法令対応", "Compliance"),
            ("省エネ", "Energy saving"),
        ],
    ),
    (
        TagKind.ATTRIBUTE,
        "提供形態",
        "Delivery",
        [("クラウド", "Cloud"), ("買い切り", "One-off purchase"), ("メーカー直送", "Maker direct")],
    ),
    (
        TagKind.ATTRIBUTE,
        "対象規模",
        "Company size",
        [("小規模", "Small"), ("中規模", "Medium"), ("大規模", "Large")],
    ),
]

MAKERS = [
    ("森の木工房", "Mori Woodworks"),
    ("サンライト電機", "Sunlight Electric"),
    ("クリーンワークス", "Clean Works"),
]

# The root categories each shipped store profile sells (api/stores/profiles/*.toml).
PROFILE_CATALOGS: dict[str, tuple[str, ...]] = {
    "saas-b2b": ("saas",),
    "goods-b2c": ("goods",),
    "members-shop": ("office",),
}
# What `seed_catalog()` and the tests take by default: subscriptions and goods of every
# shipping class and tax category, which the catalog, cart and order tests count on.
DEFAULT_DEMO = ("saas", "goods")

SUPPORT = OptionGroupSpec(
    name="サポートプラン",
    name_en="Support plan",
    min_select=1,
    max_select=1,
    options=[
        OptionSpec(code="support-mail", name="メールサポート", name_en="Email support", price=0),
        OptionSpec(code="support-phone", name="電話サポート", name_en="Phone support", price=3000),
    ],
)


def _saas_extras(prefix: str) -> OptionGroupSpec:
    return OptionGroupSpec(
        name="追加オプション",
        name_en="Add-ons",
        options=[
            OptionSpec(
                code=f"{prefix}-onboarding",
                name="導入支援（初期設定代行）",
                name_en="Onboarding (set-up done for you)",
                price=50000,
                lead_time_days=10,
            ),
            OptionSpec(
                code=f"{prefix}-migration",
                name="データ移行",
                name_en="Data migration",
                price=80000,
                lead_time_days=15,
                requires=[f"{prefix}-onboarding"],
            ),
            OptionSpec(
                code=f"{prefix}-storage",
                name="追加ストレージ 100GB",
                name_en="Extra storage 100 GB",
                price=1000,
            ),
        ],
    )


def _saas(
    code: str,
    name: str,
    name_en: str,
    category: str,
    monthly: int,
    description: str,
    tags: list[str],
) -> list[dict[str, Any]]:
    out = []
    for plan, suffix, suffix_en, price in (
        (SubscriptionPlan.MONTHLY, "月額プラン", "monthly plan", monthly),
        (SubscriptionPlan.ANNUAL, "年額プラン", "annual plan", monthly * 10),
    ):
        out.append(
            {
                "code": f"{code}-{'m' if plan == SubscriptionPlan.MONTHLY else 'y'}",
                "name": f"{name}（{suffix}）",
                "name_en": f"{name_en} ({suffix_en})",
                "description": description
                + ("年額プランは2か月分お得です。" if plan == SubscriptionPlan.ANNUAL else ""),
                "description_en": f"{name_en}, per user, billed {plan.value}.",
                "kind": ProductKind.SUBSCRIPTION,
                "plan": plan,
                "category": category,
                "price": price,
                "min_quantity": 10,
                "quantity_step": 5,
                "lead_time_days": 5,
                "images": [
                    {"url": f"{IMG}/{code}.png", "alt": f"{name}の画面", "altEn": f"{name_en}"}
                ],
                "tags": ["クラウド", *tags],
                "options": [SUPPORT, _saas_extras(code)],
            }
        )
    return out


def _demo_products() -> list[dict[str, Any]]:
    products: list[dict[str, Any]] = []
    products += _saas(
        "kintai",
        "勤怠クラウド スタンダード",
        "Kintai Cloud Standard",
        "saas-attendance",
        300,
        "打刻・シフト・有給管理をクラウドで。スマートフォン打刻とICカードに対応し、"
        "働き方改革関連法に沿った残業アラートを備えます。",
        ["業務効率化", "法令対応", "テレワーク推進", "中規模"],
    )
    products += _saas(
        "keihi",
        "経費精算クラウド",
        "Expense Cloud",
        "saas-expense",
        500,
        "領収書をスマートフォンで撮影するだけで精算。電子帳簿保存法に対応し、"
        "会計ソフトへの仕訳連携でペーパーレス化を進めます。",
        ["コスト削減", "業務効率化", "法令対応", "小規模", "中規模"],
    )
    products += _saas(
        "zerotrust",
        "ゼロトラスト・アクセス",
        "Zero Trust Access",
        "saas-security",
        800,
        "社外からの業務アクセスを端末と利用者ごとに検証。VPN不要でテレワークを安全にします。",
        ["セキュリティ強化", "テレワーク推進", "大規模"],
    )
    products += _saas(
        "meeting",
        "Web会議 ビジネス",
        "Web Meeting Business",
        "saas-meeting",
        1200,
        "最大300人のWeb会議と録画、議事録の自動作成。出張費と移動時間を削減します。",
        ["コスト削減", "テレワーク推進", "小規模"],
    )
    products += [
        {
            "code": "security-audit",
            "name": "セキュリティ診断サービス",
            "name_en": "Security assessment",
            "description": "専門家が社内ネットワークとクラウド設定を診断し、報告書をお届けします。"
            "1社1回のお申し込みです。",
            "description_en": "Experts assess your network and cloud settings; one per company.",
            "kind": ProductKind.SUBSCRIPTION,
            "plan": SubscriptionPlan.ANNUAL,
            "category": "saas-security",
            "price": 300000,
            "fixed_quantity": 1,
            "lead_time_days": 20,
            "tags": ["セキュリティ強化", "法令対応", "中規模", "大規模"],
            "options": [],
        },
        {
            "code": "vent-erv-200",
            "name": "熱交換換気ユニット ERV-200",
            "name_en": "Heat-recovery ventilator ERV-200",
            "description": "室温を保ちながら24時間換気。冷暖房の負荷を抑え、結露とカビを防ぎます。"
            "メーカーより直送します（3〜4週間）。",
            "description_en": "24-hour ventilation that keeps the warmth in. Shipped by the maker.",
            "category": "goods-air",
            "maker": "サンライト電機",
            "price": 128000,
            "max_quantity": 5,
            "lead_time_days": 15,
            "shipping_class": ShippingClass.MAKER_DIRECT,
            "tags": ["省エネ", "メーカー直送", "買い切り"],
            "options": [
                OptionGroupSpec(
                    name="設置工事",
                    name_en="Installation",
                    max_select=1,
                    options=[
                        OptionSpec(
                            code="install-standard",
                            name="標準設置工事",
                            name_en="Standard installation",
                            price=35000,
                            lead_time_days=20,
                        )
                    ],
                )
            ],
        },
        {
            "code": "filter-set-erv",
            "name": "交換用フィルター（2枚組）",
            "name_en": "Replacement filters (pair)",
            "description": "ERV-200用の交換フィルター。半年ごとの交換をおすすめします。"
            "2セット単位でご注文ください。",
            "description_en": "Filters for the ERV-200; order in pairs of sets.",
            "category": "goods-air",
            "maker": "サンライト電機",
            "price": 3200,
            "min_quantity": 2,
            "quantity_step": 2,
            "max_quantity": 20,
            "lead_time_days": 2,
            "tags": ["買い切り"],
            "options": [],
        },
        {
            "code": "led-panel-40",
            "name": "LEDパネルライト 40W相当",
            "name_en": "LED panel light (40 W class)",
            "description": "調光・調色できる薄型LEDパネル。消費電力を従来の約半分に。",
            "description_en": "Dimmable, colour-adjustable slim LED panel; half the power.",
            "category": "goods-light",
            "maker": "サンライト電機",
            "price": 9800,
            "lead_time_days": 3,
            "tags": ["省エネ", "コスト削減", "買い切り"],
            "options": [],
        },
        {
            "code": "desk-hinoki-140",
            "name": "ひのき無垢材ワークデスク 幅140cm",
            "name_en": "Solid hinoki work desk, 140 cm",
            "description": "国産ひのきの無垢材を職人が仕上げたデスク。"
            "大型家具のため3〜4週間でメーカーより直送します。",
            "description_en": "A solid Japanese cypress desk, made to order, shipped by the maker.",
            "category": "goods-furniture",
            "maker": "森の木工房",
            "price": 148000,
            "max_quantity": 3,
            "lead_time_days": 20,
            "shipping_class": ShippingClass.MAKER_DIRECT,
            "tags": ["テレワーク推進", "メーカー直送", "買い切り"],
            "options": [
                OptionGroupSpec(
                    name="天板の仕上げ",
                    name_en="Top finish",
                    min_select=1,
                    max_select=1,
                    options=[
                        OptionSpec(code="finish-oil", name="オイル仕上げ", name_en="Oil", price=0),
                        OptionSpec(
                            code="finish-urethane",
                            name="ウレタン塗装",
                            name_en="Urethane",
                            price=8000,
                        ),
                    ],
                ),
                OptionGroupSpec(
                    name="組み立て",
                    name_en="Assembly",
                    max_select=1,
                    options=[
                        OptionSpec(
                            code="assembly",
                            name="組み立て設置サービス",
                            name_en="Assembly on site",
                            price=12000,
                            lead_time_days=25,
                        )
                    ],
                ),
            ],
        },
        {
            "code": "coffee-beans-500",
            "name": "オフィス用コーヒー豆 500g",
            "name_en": "Office coffee beans, 500 g",
            "description": "休憩時間のための深煎りブレンド。食品のため軽減税率（8%）の対象です。",
            "description_en": "A dark-roast blend for the break room; reduced tax rate (8%).",
            "category": "goods-food",
            "price": 2400,
            "tax_category": TaxCategory.REDUCED,
            "max_quantity": 24,
            "lead_time_days": 1,
            "tags": ["買い切り"],
            "options": [],
        },
    ]
    return products + _office_products()


def _office_products() -> list[dict[str, Any]]:
    """The members' shop (manual 000): recorders and their forms, cleaning, supplies."""
    return [
        {
            "code": "time-recorder-tr10",
            "name": "タイムレコーダー TR-10",
            "name_en": "Time recorder TR-10",
            "description": "タイムカードを差し込むだけで出退勤を記録。月末の集計を自動化します。",
            "description_en": "Records clock-in and clock-out on time cards; totals each month.",
            "category": "office-time",
            "price": 39800,
            "max_quantity": 10,
            "lead_time_days": 2,
            "tags": ["業務効率化", "法令対応", "買い切り", "小規模"],
            "options": [
                OptionGroupSpec(
                    name="初期設定",
                    name_en="Set-up",
                    max_select=1,
                    options=[
                        OptionSpec(
                            code="tr10-setup",
                            name="締め日・時刻の初期設定代行",
                            name_en="Closing day and clock set-up done for you",
                            price=3000,
                            lead_time_days=3,
                        )
                    ],
                )
            ],
        },
        {
            "code": "time-card-100",
            "name": "タイムカード（100枚入）",
            "name_en": "Time cards (100)",
            "description": "TR-10用のタイムカード。締め日に合わせて1日・16日始まりを選べます。",
            "description_en": "Time cards for the TR-10, starting on the 1st or the 16th.",
            "category": "office-time",
            "price": 1800,
            "max_quantity": 50,
            "lead_time_days": 1,
            "tags": ["買い切り"],
            "options": [
                OptionGroupSpec(
                    name="締め日",
                    name_en="Closing day",
                    min_select=1,
                    max_select=1,
                    options=[
                        OptionSpec(
                            code="card-1st", name="1日始まり", name_en="From the 1st", price=0
                        ),
                        OptionSpec(
                            code="card-16th", name="16日始まり", name_en="From the 16th", price=0
                        ),
                    ],
                )
            ],
        },
        {
            "code": "payslip-form-1000",
            "name": "給与明細書 連続用紙（1,000枚）",
            "name_en": "Payslip forms, continuous (1,000 sheets)",
            "description": "圧着式の給与明細書。500枚単位でご注文ください。",
            "description_en": "Sealed payslip forms, ordered in steps of 500 sheets.",
            "category": "office-time",
            "price": 6,
            "min_quantity": 1000,
            "quantity_step": 500,
            "max_quantity": 20000,
            "lead_time_days": 3,
            "tags": ["法令対応", "買い切り"],
            "options": [],
        },
        {
            "code": "dust-collector-dc300",
            "name": "集塵機 DC-300",
            "name_en": "Dust collector DC-300",
            "description": "工場・作業場の粉じんを集める業務用集塵機。"
            "メーカーより直送します（2〜3週間）。",
            "description_en": "An industrial dust collector, shipped by the maker in 2-3 weeks.",
            "category": "office-clean",
            "maker": "クリーンワークス",
            "price": 268000,
            "max_quantity": 3,
            "lead_time_days": 15,
            "shipping_class": ShippingClass.MAKER_DIRECT,
            "tags": ["法令対応", "メーカー直送", "買い切り", "中規模", "大規模"],
            "options": [
                OptionGroupSpec(
                    name="設置工事",
                    name_en="Installation",
                    max_select=1,
                    options=[
                        OptionSpec(
                            code="dc300-install",
                            name="搬入・設置工事",
                            name_en="Delivery and installation",
                            price=45000,
                            lead_time_days=20,
                        )
                    ],
                )
            ],
        },
        {
            "code": "floor-scrubber-fs50",
            "name": "床洗浄機 FS-50",
            "name_en": "Floor scrubber FS-50",
            "description": "オフィスや店舗の床を洗浄・吸水まで一度に。メーカーより直送します。",
            "description_en": "Scrubs and dries office and shop floors in one pass; maker direct.",
            "category": "office-clean",
            "maker": "クリーンワークス",
            "price": 158000,
            "max_quantity": 5,
            "lead_time_days": 10,
            "shipping_class": ShippingClass.MAKER_DIRECT,
            "tags": ["業務効率化", "メーカー直送", "買い切り"],
            "options": [],
        },
        {
            "code": "copy-paper-a4",
            "name": "コピー用紙 A4（500枚×5冊）",
            "name_en": "Copy paper A4 (5 × 500 sheets)",
            "description": "白色度の高い再生紙。1箱単位、20箱までご注文いただけます。",
            "description_en": "Bright recycled paper; by the box, up to 20 boxes.",
            "category": "office-supplies",
            "price": 2980,
            "max_quantity": 20,
            "lead_time_days": 1,
            "tags": ["コスト削減", "買い切り"],
            "options": [],
        },
        {
            "code": "green-tea-bags-100",
            "name": "業務用 緑茶ティーバッグ（100袋）",
            "name_en": "Green tea bags for the office (100)",
            "description": "来客用・休憩用の国産緑茶。食品のため軽減税率（8%）の対象です。",
            "description_en": "Japanese green tea for guests and breaks; reduced tax rate (8%).",
            "category": "office-supplies",
            "price": 1500,
            "tax_category": TaxCategory.REDUCED,
            "max_quantity": 30,
            "lead_time_days": 1,
            "tags": ["買い切り"],
            "options": [],
        },
        {
            "code": "recorder-care-y",
            "name": "タイムレコーダー保守サービス（年額）",
            "name_en": "Time recorder maintenance (annual)",
            "description": "故障時の代替機先出しと年1回の点検。1台ごとのご契約です。",
            "description_en": "A replacement sent first on failure and a yearly check, per unit.",
            "kind": ProductKind.SUBSCRIPTION,
            "plan": SubscriptionPlan.ANNUAL,
            "category": "office-service",
            "price": 9600,
            "max_quantity": 10,
            "lead_time_days": 5,
            "tags": ["業務効率化"],
            "options": [],
        },
        {
            "code": "office-cleaning-m",
            "name": "定期オフィス清掃（月額）",
            "name_en": "Regular office cleaning (monthly)",
            "description": "月2回、床・共用部を清掃します。契約は10坪単位です。",
            "description_en": "Floors and shared areas cleaned twice a month, per 10 tsubo.",
            "kind": ProductKind.SUBSCRIPTION,
            "plan": SubscriptionPlan.MONTHLY,
            "category": "office-service",
            "price": 12000,
            "min_quantity": 1,
            "max_quantity": 50,
            "lead_time_days": 10,
            "tags": ["業務効率化", "中規模"],
            "options": [],
        },
    ]


def _root_of(code: str) -> str:
    parents = {c: parent for c, _, _, parent in CATEGORIES}
    while parents.get(code):
        code = parents[code]  # type: ignore[assignment]
    return code


HOLIDAYS = [
    (date(2026, 8, 13), date(2026, 8, 17), "夏季休業", "Summer closure"),
    (date(2026, 12, 29), date(2027, 1, 4), "年末年始休業", "New Year closure"),
    (date(2027, 8, 12), date(2027, 8, 16), "夏季休業", "Summer closure"),
    (date(2027, 12, 29), date(2028, 1, 4), "年末年始休業", "New Year closure"),
]


async def seed_catalog(rt: Any = None, roots: tuple[str, ...] = DEFAULT_DEMO) -> list[str]:
    """The demo catalog under `roots`, published; idempotent (nothing happens when
    products exist)."""
    if await Product.exists():
        return []
    unknown = set(roots) - {c for c, _, _, parent in CATEGORIES if parent is None}
    if unknown:
        raise ValueError(f"no demo catalog named {sorted(unknown)}")
    system = Actor.for_system()
    categories: dict[str, int] = {}
    for code, name, name_en, parent in CATEGORIES:
        if _root_of(code) not in roots:
            continue
        category = await service.create_category(
            rt,
            system,
            code=code,
            name=name,
            name_en=name_en,
            parent_id=categories.get(parent or ""),
        )
        categories[code] = category.id
    tags: dict[str, int] = {}
    for kind, group_name, group_en, members in TAG_GROUPS:
        group = await service.create_tag_group(
            rt, system, kind=kind, name=group_name, name_en=group_en
        )
        for name, name_en in members:
            tags[name] = (
                await service.create_tag(rt, system, group_id=group.id, name=name, name_en=name_en)
            ).id
    products = [p for p in _demo_products() if _root_of(p["category"]) in roots]
    used = {p.get("maker") for p in products}
    makers = {
        name: (await service.create_maker(rt, system, name=name, name_en=name_en)).id
        for name, name_en in MAKERS
        if name in used
    }
    for spec in products:
        data = {k: v for k, v in spec.items() if k not in ("category", "maker", "tags", "options")}
        data["category_id"] = categories[spec["category"]]
        data["maker_id"] = makers.get(spec.get("maker", ""))
        data["tag_ids"] = [tags[t] for t in spec["tags"]]
        data.setdefault(
            "images",
            [{"url": f"{IMG}/{spec['code']}.jpg", "alt": spec["name"], "altEn": spec["name_en"]}],
        )
        product = await service.create_product(rt, system, data)
        if spec["options"]:
            await service.set_product_options(rt, system, product.id, spec["options"])
        await service.publish_product(rt, system, product.id)
    done = [f"catalog: {len(products)} products in {len(categories)} categories"]
    if not await StoreHoliday.exists():
        for start, end, name, name_en in HOLIDAYS:
            await calendar.create_store_holiday(rt, system, start, end, name, name_en)
        done.append(f"store holidays: {len(HOLIDAYS)}")
    return done


# ---- generated catalogs for benchmarks ---------------------------------------------------

WORDS = [
    ("勤怠", "attendance"),
    ("経費", "expense"),
    ("会計", "accounting"),
    ("給与", "payroll"),
    ("請求書", "invoice"),
    ("セキュリティ", "security"),
    ("バックアップ", "backup"),
    ("ワークフロー", "workflow"),
    ("チャット", "chat"),
    ("名刺管理", "business cards"),
    ("在庫", "inventory"),
    ("換気", "ventilation"),
    ("照明", "lighting"),
    ("デスク", "desk"),
    ("チェア", "chair"),
    ("フィルター", "filter"),
    ("コーヒー", "coffee"),
    ("クラウド", "cloud"),
    ("分析", "analytics"),
    ("予約", "booking"),
]
ADJECTIVES = [
    ("スタンダード", "Standard"),
    ("プロ", "Pro"),
    ("ライト", "Lite"),
    ("エンタープライズ", "Enterprise"),
    ("ミニ", "Mini"),
    ("プレミアム", "Premium"),
]


async def generate_products(
    n: int, *, seed: int = 7, batch: int = 2000, progress: Callable[[int], Any] | None = None
) -> int:
    """Add n published products (with tags and options on some) quickly; returns how many.

    `progress(k)` is called after each batch with the number of products it added
    (a plain function or a coroutine function such as `Progress.advance`).
    """
    rng = random.Random(seed)  # reproducible catalogs make comparable benchmark runs
    if not await Category.exists():
        await seed_catalog(None)
    leaf_ids = await Category.filter(parent_id__not_isnull=True).values_list("id", flat=True)
    tag_ids = await Tag.all().values_list("id", flat=True)
    maker_ids = await Maker.all().values_list("id", flat=True)
    start = await Product.all().count()
    now = clock.now()
    made = 0
    while made < n:
        size = min(batch, n - made)
        rows = []
        for i in range(start + made, start + made + size):
            word, word_en = WORDS[rng.randrange(len(WORDS))]
            adjective, adjective_en = ADJECTIVES[rng.randrange(len(ADJECTIVES))]
            subscription = rng.random() < 0.5
            price = rng.randrange(5, 3000) * 100
            category = TaxCategory.REDUCED if word == "コーヒー" else TaxCategory.STANDARD
            values: dict[str, Any] = {
                "code": f"GEN-{i:07d}",
                "name": f"{word}{adjective} {i}",
                "name_en": f"{word_en.title()} {adjective_en} {i}",
                "description": f"{word}をもっと簡単に。{adjective}版は中小企業から大企業まで対応。",
                "description_en": f"{word_en.title()} made simple; the {adjective_en} edition.",
                "images": [
                    {"url": f"{IMG}/gen/{i}.jpg", "alt": f"{word}{adjective}", "altEn": word_en}
                ],
                "kind": ProductKind.SUBSCRIPTION if subscription else ProductKind.PHYSICAL,
                "plan": rng.choice(list(SubscriptionPlan)) if subscription else None,
                "category_id": rng.choice(leaf_ids),
                "maker_id": None if subscription else rng.choice(maker_ids),
                "tax_category": category,
                "price": price,
                "price_including_tax": tax.including_tax(price, category),
                "status": ProductStatus.PUBLISHED,
                "published_at": now,
                "min_quantity": 1,
                "quantity_step": 1,
                "lead_time_days": rng.randrange(0, 15),
                "shipping_class": ShippingClass.NONE if subscription else ShippingClass.STORE,
            }
            values["search_name"], values["search_text"] = service.search_columns(values)
            rows.append(Product(**values))
        await Product.bulk_create(rows)
        created = await Product.filter(code__in=[r.code for r in rows]).values_list("id", flat=True)
        links, groups = [], []
        for pid in created:
            for tag in rng.sample(tag_ids, k=min(len(tag_ids), rng.randrange(1, 4))):
                links.append(ProductTag(product_id=pid, tag_id=tag))
            if rng.random() < 0.5:
                groups.append(OptionGroup(product_id=pid, name="オプション", name_en="Options"))
        await ProductTag.bulk_create(links)
        await OptionGroup.bulk_create(groups)
        group_rows = await OptionGroup.filter(product_id__in=created).values("id", "product_id")
        options = []
        for g in group_rows:
            for k in range(2):
                p = rng.randrange(0, 50) * 100
                options.append(
                    ProductOption(
                        product_id=g["product_id"],
                        group_id=g["id"],
                        code=f"opt-{k}",
                        name=f"オプション{k + 1}",
                        name_en=f"Option {k + 1}",
                        price=p,
                        price_including_tax=tax.including_tax(p, TaxCategory.STANDARD),
                        position=k,
                    )
                )
        await ProductOption.bulk_create(options)
        made += size
        if progress is not None:
            reported = progress(size)
            if inspect.isawaitable(reported):  # `Progress.advance` of api/jobs
                await reported
    return made
