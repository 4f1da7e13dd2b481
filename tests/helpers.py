"""Building blocks shared by the tests: demo data, forms, links from mails."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

from api.demo import seed_demo
from api.settings import Settings
from tests.conftest import body_text


async def seed(settings: Settings) -> None:
    await seed_demo(settings)


def application(**overrides: Any) -> dict[str, Any]:
    """A valid registration input for the saas-b2b store."""
    data: dict[str, Any] = {
        "email": "hanako.suzuki@example.co.jp",
        "password": "Kumo-sora-77",
        "familyName": "鈴木",
        "givenName": "花子",
        "familyNameKana": "スズキ",
        "givenNameKana": "ハナコ",
        "phone": "03-1234-5678",
        "postalCode": "150-0001",
        "prefecture": "東京都",
        "addressLine1": "渋谷区神宮前1-2-3",
        "addressLine2": "表参道ビル5F",
        "companyName": "株式会社テスト",
        "companyNameKana": "カブシキガイシャテスト",
        "department": "総務部",
        "newsletterOptIn": True,
        "termsOfUseVersion": 1,
        "privacyPolicyVersion": 1,
    }
    data.update(overrides)
    return data


def link_token(message: EmailMessage, path: str) -> str:
    match = re.search(re.escape(path) + r"\?token=([A-Za-z0-9_\-]+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


REGISTER = """
mutation Register($input: RegisterInput!) {
  register(input: $input) { accepted email userErrors { field code message } }
}"""

VERIFY = """
mutation Verify($token: String!) {
  verifyEmail(input: {token: $token}) { status userErrors { field code message } }
}"""

RESEND = """
mutation Resend($email: String!) {
  resendVerificationEmail(input: {email: $email}) { accepted userErrors { field code message } }
}"""

APPLICATIONS = """
query Applications($first: Int, $after: String, $status: UserStatus) {
  registrationApplications(first: $first, after: $after, filter: {status: $status}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id email status familyName company { id name } } }
  }
}"""

APPROVE = """
mutation Approve($id: ID!) {
  approveRegistration(input: {userId: $id}) { user { id status } userErrors { field code message } }
}"""

REJECT = """
mutation Reject($id: ID!, $reason: String!) {
  rejectRegistration(input: {userId: $id, reason: $reason}) {
    user { id status rejectionReason } userErrors { field code message }
  }
}"""


def refused_characters(body: dict[str, Any]) -> list[str]:
    """The input path of the one INVALID_CHARACTERS refusal (api/graphql/text.py): the
    operation never ran, so it has no data, and the character is named, never echoed."""
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_CHARACTERS", error
    assert error["extensions"]["params"]["character"].startswith("U+")
    return error["extensions"]["field"]
