"""Names the customer reads for the order domain's codes (ja, en): data, not identifiers."""

from __future__ import annotations

from api.orders.states import CUSTOMER_STATUS, CUSTOMER_STATUS_LABELS, OrderStatus, PaymentMethod

PAYMENT_METHOD_NAMES: dict[PaymentMethod, tuple[str, str]] = {
    PaymentMethod.CARD: ("クレジットカード", "Credit card"),
    PaymentMethod.BANK_TRANSFER: ("銀行振込", "Bank transfer"),
    PaymentMethod.KONBINI: ("コンビニ決済", "Convenience store payment"),
    PaymentMethod.NP_DEFERRED: ("NP掛け払い", "NP deferred payment"),
}


def payment_method_name(method: str, language: str) -> str:
    try:
        ja, en = PAYMENT_METHOD_NAMES[PaymentMethod(method)]
    except ValueError:
        return method
    return en if language == "en" else ja


def customer_status_label(status: str, language: str) -> str:
    """申請 / 受付済 / キャンセル (004 §5.1) for an internal status."""
    ja, en = CUSTOMER_STATUS_LABELS[CUSTOMER_STATUS[OrderStatus(status)]]
    return en if language == "en" else ja
