"""Recovery in the schema: change or reset the password, change the login ID (email).

Thin: each resolver turns its input into a call of `api.accounts.recovery`
and the service's `DomainError` into `userErrors`.
"""

from __future__ import annotations

from typing import Any

import strawberry

from api.accounts import recovery
from api.accounts.schema import UserType
from api.accounts.security import ClientInfo
from api.errors import DomainError
from api.graphql.errors import UserError, user_errors
from api.graphql.permissions import IsAuthenticated


def _client(info: Any) -> ClientInfo:
    ctx = info.context
    return ClientInfo(ip_address=ctx.ip_address or "", user_agent=ctx.user_agent or "")


@strawberry.input
class ChangePasswordInput:
    current_password: str
    new_password: str = strawberry.field(
        description="Must follow `store.passwordRules` and differ from the current password."
    )


@strawberry.type
class ChangePasswordPayload:
    user: UserType | None = strawberry.field(
        description="Set on success. This session stays signed in; every other session and "
        "trusted browser of the user ends."
    )
    user_errors: list[UserError]


@strawberry.input
class RequestPasswordResetInput:
    login_id: str = strawberry.field(description="The login ID (email address).")
    phone: str | None = strawberry.field(
        default=None,
        description="The phone number on file; hyphens optional. Required by stores whose "
        "reset flow is EMAIL_AND_PHONE, ignored by the others.",
    )


@strawberry.type
class RequestPasswordResetPayload:
    accepted: bool = strawberry.field(
        description="True whenever the form was valid, whether or not an account matched: "
        "the API never says who is a member. Only a real account gets mail."
    )
    user_errors: list[UserError]


@strawberry.input
class ResetPasswordInput:
    token: str = strawberry.field(description="The token from the link in the reset mail.")
    new_password: str
    temporary_password: str | None = strawberry.field(
        default=None,
        description="The temporary password from the first mail (TEMPORARY_PASSWORD stores).",
    )


@strawberry.type
class ResetPasswordPayload:
    ok: bool = strawberry.field(
        description="True when the password was set. No session is issued: sign in again."
    )
    user_errors: list[UserError]


@strawberry.input
class RequestEmailChangeInput:
    current_password: str
    new_email: str = strawberry.field(description="Becomes the login ID once confirmed.")


@strawberry.type
class RequestEmailChangePayload:
    accepted: bool = strawberry.field(
        description="True when the request was taken: a confirmation link goes to the new "
        "address. The same answer is given for an address that belongs to another account "
        "(its owner is notified instead)."
    )
    user_errors: list[UserError]


@strawberry.input
class ConfirmEmailChangeInput:
    token: str = strawberry.field(description="The token from the link sent to the new address.")


@strawberry.type
class ConfirmEmailChangePayload:
    email: str | None = strawberry.field(description="The new login ID, on success.")
    user: UserType | None = strawberry.field(
        description="The updated user when the caller is signed in as that user, else null."
    )
    user_errors: list[UserError]


@strawberry.type
class RecoveryMutation:
    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Change the password with the current one; other sessions end.",
    )
    async def change_password(
        self, info: strawberry.Info, input: ChangePasswordInput
    ) -> ChangePasswordPayload:
        ctx = info.context
        caller = ctx.caller
        try:
            user = await recovery.change_password(
                ctx.rt,
                caller.user,
                caller.session.id if caller.session else None,
                input.current_password,
                input.new_password,
                _client(info),
            )
        except DomainError as e:
            return ChangePasswordPayload(user=None, user_errors=user_errors(e, info))
        return ChangePasswordPayload(user=UserType.from_model(user), user_errors=[])

    @strawberry.mutation(
        description="Forgotten password: mail reset instructions (same answer for anyone)."
    )
    async def request_password_reset(
        self, info: strawberry.Info, input: RequestPasswordResetInput
    ) -> RequestPasswordResetPayload:
        try:
            await recovery.request_password_reset(
                info.context.rt, input.login_id, input.phone, _client(info)
            )
        except DomainError as e:
            return RequestPasswordResetPayload(accepted=False, user_errors=user_errors(e, info))
        return RequestPasswordResetPayload(accepted=True, user_errors=[])

    @strawberry.mutation(
        description="Set a new password with the reset link; unlocks the account and signs "
        "out everywhere."
    )
    async def reset_password(
        self, info: strawberry.Info, input: ResetPasswordInput
    ) -> ResetPasswordPayload:
        try:
            await recovery.reset_password(
                info.context.rt,
                input.token,
                input.new_password,
                input.temporary_password,
                _client(info),
            )
        except DomainError as e:
            return ResetPasswordPayload(ok=False, user_errors=user_errors(e, info))
        return ResetPasswordPayload(ok=True, user_errors=[])

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Ask to change the login ID (email); a link goes to the new address.",
    )
    async def request_email_change(
        self, info: strawberry.Info, input: RequestEmailChangeInput
    ) -> RequestEmailChangePayload:
        try:
            await recovery.request_email_change(
                info.context.rt,
                info.context.caller.user,
                input.current_password,
                input.new_email,
                _client(info),
            )
        except DomainError as e:
            return RequestEmailChangePayload(accepted=False, user_errors=user_errors(e, info))
        return RequestEmailChangePayload(accepted=True, user_errors=[])

    @strawberry.mutation(description="Confirm a new login ID with the link from the mail.")
    async def confirm_email_change(
        self, info: strawberry.Info, input: ConfirmEmailChangeInput
    ) -> ConfirmEmailChangePayload:
        try:
            user = await recovery.confirm_email_change(info.context.rt, input.token, _client(info))
        except DomainError as e:
            return ConfirmEmailChangePayload(
                email=None, user=None, user_errors=user_errors(e, info)
            )
        mine = info.context.caller.user_id == user.id
        return ConfirmEmailChangePayload(
            email=user.email, user=UserType.from_model(user) if mine else None, user_errors=[]
        )


__all__ = ["RecoveryMutation"]
