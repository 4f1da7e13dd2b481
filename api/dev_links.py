"""Links in mails that work in development: each opens GraphiQL with its mutation filled in.

Mails link to pages of the client app (`{PUBLIC_BASE_URL}/verify-email?token=…`). In the
embedded profile PUBLIC_BASE_URL is the API's own address, where no such page exists; these
routes stand in for them: each answers with a redirect to GraphiQL holding the operation
that page would send and the token from the link, so a person clicks the link in
`/dev/mailbox`, presses ▶ and is done. Mounted only in the embedded profile (never in
production), like the mailbox.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

Variables = Callable[[Request, str], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class DevLink:
    document: str
    variables: Variables


async def _token(request: Request, token: str) -> dict[str, Any]:
    return {"input": {"token": token}}


async def _reset(request: Request, token: str) -> dict[str, Any]:
    from api.stores.policy import PasswordResetFlow

    form: dict[str, Any] = {"token": token, "newPassword": "Kumo-sora-77"}
    if request.app.state.rt.policy.password_reset == PasswordResetFlow.TEMPORARY_PASSWORD:
        form["temporaryPassword"] = "paste it from the mail (1 of 2)"
    return {"input": form}


async def _invitee(request: Request, token: str) -> dict[str, Any]:
    from api.legal.models import LegalDocumentKind
    from api.legal.service import current_documents

    documents = await current_documents()

    def version(kind: LegalDocumentKind) -> int | None:
        doc = documents.get(kind)
        return doc.version if doc else None

    return {
        "input": {
            "token": token,
            "password": "Kumo-sora-77",
            "familyName": "招待",
            "givenName": "花子",
            "familyNameKana": "ショウタイ",
            "givenNameKana": "ハナコ",
            "phone": "03-1234-5678",
            "termsOfUseVersion": version(LegalDocumentKind.TERMS_OF_USE),
            "privacyPolicyVersion": version(LegalDocumentKind.PRIVACY_POLICY),
        }
    }


async def _sign_in(request: Request, token: str) -> dict[str, Any]:
    return {
        "login": {"loginId": "member@example.com", "password": "Demo-pass-2026"},
        "challenge": "paste challenge.token from the Login answer",
        "code": "the 6 digits from the sign-in code mail",
    }


async def _nothing(request: Request, token: str) -> dict[str, Any]:
    return {}


HEADER = (
    "# Development stand-in for the client app's page {path}\n"
    "# (mails link to PUBLIC_BASE_URL{path}). Press ▶ (Ctrl-Enter) to send it.\n"
)

SIGN_IN = """# Three steps; pick each operation from the ▶ menu in turn:
# 1. Login with the variables below; copy challenge.token into "challenge".
# 2. SendLoginCode mails a code: open /dev/mailbox, copy it into "code".
# 3. VerifySecondFactor signs this browser in (the session cookie is set).
mutation Login($login: LoginInput!) {
  login(input: $login) {
    session { expiresAt }
    challenge { token methods emailHint }
    user { email kind }
    userErrors { field code message }
  }
}

mutation SendLoginCode($challenge: String!) {
  sendLoginCode(input: { challenge: $challenge }) { sent userErrors { code message } }
}

mutation VerifySecondFactor($challenge: String!, $code: String!) {
  verifySecondFactor(input: { challenge: $challenge, method: EMAIL, code: $code }) {
    session { expiresAt }
    user { email }
    userErrors { field code message }
  }
}
"""

LINKS: dict[str, DevLink] = {
    "/verify-email": DevLink(
        """mutation VerifyEmail($input: VerifyEmailInput!) {
  verifyEmail(input: $input) { status userErrors { field code message } }
}
""",
        _token,
    ),
    "/password-reset": DevLink(
        """# Choose the new password in the variables below. Where the store mails a
# temporary password first (1 of 2), paste it into "temporaryPassword".
mutation ResetPassword($input: ResetPasswordInput!) {
  resetPassword(input: $input) { ok userErrors { field code message } }
}
""",
        _reset,
    ),
    "/confirm-email-change": DevLink(
        """mutation ConfirmEmailChange($input: ConfirmEmailChangeInput!) {
  confirmEmailChange(input: $input) { email userErrors { field code message } }
}
""",
        _token,
    ),
    "/accept-invitation": DevLink(
        """# The invitee's details are examples: change them in the variables below.
mutation AcceptInvitation($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) { accepted status userErrors { field code message } }
}
""",
        _invitee,
    ),
    "/login": DevLink(SIGN_IN, _sign_in),
    "/company/users": DevLink(
        """# Signed in as a company administrator (open /login first).
query CompanyUsers {
  companyUsers(first: 50) {
    totalCount
    nodes { id email status familyName givenName }
  }
}
""",
        _nothing,
    ),
}


def graphiql_url(path: str, document: str, variables: dict[str, Any]) -> str:
    query = {"q": HEADER.format(path=path) + document}
    if variables:
        query["variables"] = json.dumps(variables, ensure_ascii=False, indent=2)
    return "/graphql?" + urlencode(query)


def dev_link_routes() -> list[Route]:
    def endpoint(path: str, link: DevLink) -> Callable[[Request], Awaitable[RedirectResponse]]:
        async def open_in_graphiql(request: Request) -> RedirectResponse:
            token = request.query_params.get("token", "")[:512]
            variables = await link.variables(request, token)
            return RedirectResponse(graphiql_url(path, link.document, variables), status_code=303)

        return open_in_graphiql

    return [Route(path, endpoint(path, link), methods=["GET"]) for path, link in LINKS.items()]
