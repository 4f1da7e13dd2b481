"""The kinds of versioned legal documents a customer agrees to."""

from __future__ import annotations

from enum import StrEnum


class LegalDocumentKind(StrEnum):
    TERMS_OF_USE = "terms_of_use"  # 会員規約: agreed at registration
    PRIVACY_POLICY = "privacy_policy"  # 個人情報の取扱い: registration and the contact form
    TERMS_OF_SALE = "terms_of_sale"  # 売買利用規約: agreed with every order
    SERVICE_TERMS = "service_terms"  # サービス利用規約: orders with subscriptions
    DEFERRED_PAYMENT_TERMS = "deferred_payment_terms"  # NP掛け払いの規約: that payment method


# What the registration form shows and asks consent to.
REGISTRATION_KINDS = (LegalDocumentKind.TERMS_OF_USE, LegalDocumentKind.PRIVACY_POLICY)
