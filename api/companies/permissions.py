"""Named permissions and the built-in roles that bundle them.

Members act inside their company through a role: the two built-in roles
(管理者 administrator, 一般ユーザー general user) or a custom role the
company's administrator composes from these permissions. Staff have roles of
their own over the whole store. Permission names are identifiers; their
labels (ja/en) are data shown by the SPA's permission table.
"""

from __future__ import annotations

from enum import StrEnum


class MemberPermission(StrEnum):
    VIEW_ORDERS = "view_orders"
    PLACE_ORDERS = "place_orders"
    VIEW_QUOTES = "view_quotes"
    REQUEST_QUOTES = "request_quotes"
    VIEW_CONTRACTS = "view_contracts"
    MANAGE_CONTRACTS = "manage_contracts"
    VIEW_INVOICES = "view_invoices"
    MANAGE_ADDRESSES = "manage_addresses"
    MANAGE_USERS = "manage_users"
    MANAGE_COMPANY = "manage_company"


class StaffPermission(StrEnum):
    APPROVE_REGISTRATIONS = "approve_registrations"
    MANAGE_CUSTOMERS = "manage_customers"
    MANAGE_CATALOG = "manage_catalog"
    PROCESS_ORDERS = "process_orders"
    MANAGE_CONTRACTS = "manage_contracts"
    MANAGE_BILLING = "manage_billing"
    MANAGE_MAIL = "manage_mail"
    MANAGE_INQUIRIES = "manage_inquiries"
    MANAGE_STAFF = "manage_staff"
    MANAGE_LEGAL = "manage_legal"


LABELS: dict[str, tuple[str, str]] = {
    MemberPermission.VIEW_ORDERS: ("注文の閲覧", "View orders"),
    MemberPermission.PLACE_ORDERS: ("注文", "Place orders"),
    MemberPermission.VIEW_QUOTES: ("見積の閲覧", "View quotes"),
    MemberPermission.REQUEST_QUOTES: ("見積の作成・依頼", "Request quotes"),
    MemberPermission.VIEW_CONTRACTS: ("契約の閲覧", "View contracts"),
    MemberPermission.MANAGE_CONTRACTS: ("契約の変更・解約", "Change and cancel contracts"),
    MemberPermission.VIEW_INVOICES: ("請求書の閲覧", "View invoices"),
    MemberPermission.MANAGE_ADDRESSES: ("お届け先の管理", "Manage delivery addresses"),
    MemberPermission.MANAGE_USERS: ("ユーザー管理", "Manage users"),
    MemberPermission.MANAGE_COMPANY: ("会社情報の変更", "Change company information"),
    StaffPermission.APPROVE_REGISTRATIONS: ("会員登録の承認", "Approve registrations"),
    StaffPermission.MANAGE_CUSTOMERS: ("顧客管理", "Manage customers"),
    StaffPermission.MANAGE_CATALOG: ("商品管理", "Manage the catalog"),
    StaffPermission.PROCESS_ORDERS: ("受注処理", "Process orders"),
    StaffPermission.MANAGE_CONTRACTS: ("契約管理", "Manage contracts"),
    StaffPermission.MANAGE_BILLING: ("請求管理", "Manage billing"),
    StaffPermission.MANAGE_MAIL: ("メール送信管理", "Manage outgoing mail"),
    StaffPermission.MANAGE_INQUIRIES: ("お問い合わせ対応", "Answer inquiries"),
    StaffPermission.MANAGE_STAFF: ("運営ユーザー管理", "Manage staff"),
    StaffPermission.MANAGE_LEGAL: ("規約・ポリシーの公開", "Publish terms and policies"),
}


ADMINISTRATOR = "administrator"
GENERAL = "general"
CUSTOM_PREFIX = "custom:"

BUILTIN_MEMBER_ROLES: dict[str, tuple[str, str, frozenset[MemberPermission]]] = {
    ADMINISTRATOR: ("管理者", "Administrator", frozenset(MemberPermission)),
    GENERAL: (
        "一般ユーザー",
        "General user",
        frozenset({
            MemberPermission.VIEW_ORDERS, MemberPermission.PLACE_ORDERS,
            MemberPermission.VIEW_QUOTES, MemberPermission.REQUEST_QUOTES,
            MemberPermission.VIEW_CONTRACTS, MemberPermission.VIEW_INVOICES,
            MemberPermission.MANAGE_ADDRESSES,
        }),
    ),
}  # fmt: skip

STAFF_ROLES: dict[str, tuple[str, str, frozenset[StaffPermission]]] = {
    "operator_admin": ("運営管理者", "Operator administrator", frozenset(StaffPermission)),
    "operator": (
        "運営担当",
        "Operator",
        frozenset({
            StaffPermission.APPROVE_REGISTRATIONS, StaffPermission.MANAGE_CUSTOMERS,
            StaffPermission.PROCESS_ORDERS, StaffPermission.MANAGE_CONTRACTS,
            StaffPermission.MANAGE_INQUIRIES, StaffPermission.MANAGE_MAIL,
        }),
    ),
    "catalog_manager": ("商品担当", "Catalog manager", frozenset({StaffPermission.MANAGE_CATALOG})),
    "billing": (
        "経理担当",
        "Billing",
        frozenset({StaffPermission.MANAGE_BILLING, StaffPermission.MANAGE_CONTRACTS}),
    ),
}  # fmt: skip

DEFAULT_STAFF_ROLE = "operator_admin"
