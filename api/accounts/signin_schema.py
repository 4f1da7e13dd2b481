"""Sign-in in the schema: login with a second factor, sessions, 2FA settings, lock.

Browsers get the session (and the trusted-browser mark) as HttpOnly cookies;
mobile apps read the same tokens from the payload and send
`Authorization: Bearer <token>` (and `trustedBrowserToken` on the next login).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from api import clock
from api.accounts import security, sessions, two_factor
from api.accounts.models import BackupCode as BackupCodeModel
from api.accounts.models import SecurityEvent as SecurityEventModel
from api.accounts.models import SecurityEventKind as SecurityEventKindModel
from api.accounts.models import Session as SessionModel
from api.accounts.models import TrustedBrowser as TrustedBrowserModel
from api.accounts.models import User as UserModel
from api.accounts.schema import UserType
from api.companies.permissions import StaffPermission
from api.db import unit_of_work
from api.errors import DomainError
from api.graphql.errors import UserError, user_errors
from api.graphql.ids import int_id
from api.graphql.nodes import load_nodes
from api.graphql.pagination import Connection, paginate
from api.graphql.permissions import IsAuthenticated, requires
from api.stores.policy import TwoFactorRequirement

MANAGE_CUSTOMERS = requires(StaffPermission.MANAGE_CUSTOMERS)

SecondFactorMethod = strawberry.enum(
    Enum("SecondFactorMethod", {m.name: m.value for m in two_factor.SecondFactorMethod}),
    name="SecondFactorMethod",
)
SecurityEventKind = strawberry.enum(
    Enum("SecurityEventKind", {k.name: k.value for k in SecurityEventKindModel}),
    name="SecurityEventKind",
)


# ---- types -----------------------------------------------------------------------------


@strawberry.type
class SessionInfo:
    token: str = strawberry.field(
        description="Send as `Authorization: Bearer <token>` (mobile). Browsers also get it "
        "as an HttpOnly cookie and need not store it."
    )
    expires_at: datetime


@strawberry.type(description="The password was right; finish with one of `methods`.")
class SecondFactorChallenge:
    token: str = strawberry.field(description="Pass to sendLoginCode and verifySecondFactor.")
    expires_at: datetime
    methods: list[SecondFactorMethod]  # type: ignore[valid-type]
    email_hint: str = strawberry.field(description="Where EMAIL codes go, masked.")


@strawberry.type(name="Session", description="A signed-in device.")
class SessionType(relay.Node):
    id: relay.NodeID[int]
    ip_address: str
    user_agent: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    current: bool = strawberry.field(description="The session making this request.")

    @classmethod
    def from_model(cls, s: SessionModel, current_id: int | None) -> SessionType:
        return cls(
            id=s.id,
            ip_address=s.ip_address,
            user_agent=s.user_agent,
            created_at=s.created_at,
            last_seen_at=s.last_seen_at,
            expires_at=s.expires_at,
            current=s.id == current_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[SessionType | None]:
        caller = info.context.caller
        current = caller.session.id if caller.session else None
        scope = {"user_id": caller.user.id} if caller.user else None
        return await load_nodes(SessionModel, node_ids, lambda s: cls.from_model(s, current), scope)


@strawberry.type(name="TrustedBrowser")
class TrustedBrowserType:
    id: strawberry.ID
    ip_address: str
    user_agent: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime

    @classmethod
    def from_model(cls, t: TrustedBrowserModel) -> TrustedBrowserType:
        from api.graphql.ids import to_global_id

        return cls(
            id=strawberry.ID(to_global_id("TrustedBrowser", t.id)),
            ip_address=t.ip_address,
            user_agent=t.user_agent,
            created_at=t.created_at,
            last_used_at=t.last_used_at,
            expires_at=t.expires_at,
        )


@strawberry.type(name="SecurityEvent", description="One entry of the account's audit trail.")
class SecurityEventType:
    kind: SecurityEventKind  # type: ignore[valid-type]
    at: datetime
    ip_address: str
    user_agent: str
    detail: str
    by_staff: bool = strawberry.field(description="Done by staff (lock, unlock), not the user.")
    account_id: strawberry.Private[int | None]

    @strawberry.field(description="Whose account (a User id); null for a login ID no account has.")
    def user_id(self) -> strawberry.ID | None:
        from api.graphql.ids import to_global_id

        return strawberry.ID(to_global_id("User", self.account_id)) if self.account_id else None

    @classmethod
    def from_model(cls, e: SecurityEventModel) -> SecurityEventType:
        return cls(
            kind=SecurityEventKind(e.kind.value),
            at=e.at,
            ip_address=e.ip_address,
            user_agent=e.user_agent,
            detail=e.detail,
            by_staff=e.actor_id is not None and e.actor_id != e.user_id,
            account_id=e.user_id,
        )


@strawberry.type(description="The caller's two-factor settings.")
class TwoFactorStatus:
    required: bool = strawberry.field(description="The store requires 2FA for this account.")
    enabled: bool = strawberry.field(description="Sign-in asks for a second factor.")
    can_opt_out: bool
    totp_enabled: bool
    backup_codes_remaining: int
    backup_codes_low: bool = strawberry.field(description="Time to regenerate them.")
    trusted_browsers: list[TrustedBrowserType]


# ---- inputs and payloads ---------------------------------------------------------------


@strawberry.input
class LoginInput:
    login_id: str = strawberry.field(description="The email address the member registered.")
    password: str
    trusted_browser_token: str | None = strawberry.field(
        default=None,
        description="Mobile apps: the token from an earlier trustThisBrowser. "
        "Browsers send it as a cookie automatically.",
    )


@strawberry.type
class LoginPayload:
    session: SessionInfo | None = strawberry.field(
        description="Set when no second factor is needed (or this browser is trusted)."
    )
    challenge: SecondFactorChallenge | None = strawberry.field(
        description="Set when a second factor is needed."
    )
    user: UserType | None
    user_errors: list[UserError]


@strawberry.input
class SendLoginCodeInput:
    challenge: str


@strawberry.type
class SendLoginCodePayload:
    sent: bool
    code_expires_at: datetime | None
    user_errors: list[UserError]


@strawberry.input
class VerifySecondFactorInput:
    challenge: str
    method: SecondFactorMethod  # type: ignore[valid-type]
    code: str
    trust_this_browser: bool = strawberry.field(
        default=False, description="Do not ask for a second factor on this browser for a while."
    )


@strawberry.type
class VerifySecondFactorPayload:
    session: SessionInfo | None
    user: UserType | None
    trusted_browser_token: str | None = strawberry.field(
        description="Mobile apps keep this and send it as `trustedBrowserToken` on login."
    )
    backup_codes: list[str] | None = strawberry.field(
        description="On the first two-factor sign-in: ten 8-digit codes, shown only now."
    )
    backup_codes_csv: str | None = strawberry.field(
        description="The same codes as a CSV data URI, for a download link."
    )
    user_errors: list[UserError]


@strawberry.type
class OkPayload:
    ok: bool
    user_errors: list[UserError]


@strawberry.input
class RevokeSessionInput:
    session_id: strawberry.ID


@strawberry.input
class RevokeTrustedBrowserInput:
    trusted_browser_id: strawberry.ID


@strawberry.input
class PasswordConfirmationInput:
    password: str = strawberry.field(description="The current password, asked again.")


@strawberry.input
class SetTwoFactorInput:
    enabled: bool
    password: str


@strawberry.type
class TotpEnrollmentPayload:
    secret: str | None = strawberry.field(description="For manual entry in the app.")
    otpauth_uri: str | None
    qr_code_svg: str | None = strawberry.field(description="A data URI for an <img>.")
    user_errors: list[UserError]


@strawberry.input
class ConfirmTotpInput:
    code: str


@strawberry.type
class BackupCodesPayload:
    backup_codes: list[str] | None = strawberry.field(description="Shown only now.")
    backup_codes_csv: str | None
    user_errors: list[UserError]


@strawberry.input
class LockUserInput:
    user_id: strawberry.ID
    reason: str = ""


@strawberry.input
class UnlockUserInput:
    user_id: strawberry.ID


@strawberry.type
class UserLockPayload:
    user: UserType | None
    user_errors: list[UserError]


# ---- helpers ---------------------------------------------------------------------------


def _session_info(ctx: Any, issued: sessions.IssuedSession) -> SessionInfo:
    ctx.cookies[ctx.rt.settings.session_cookie_name] = (issued.token, issued.session.expires_at)
    return SessionInfo(token=issued.token, expires_at=issued.session.expires_at)


async def _confirm_password(ctx: Any, password: str) -> UserModel:
    user = ctx.caller.user
    await security.confirm_password(ctx.rt, user, password, "password")
    return user


def _codes_payload(codes: list[str]) -> tuple[list[str] | None, str | None]:
    if not codes:
        return None, None
    return codes, two_factor.csv_data_uri(two_factor.backup_codes_csv(codes))


async def _member_or_staff(user_id: str) -> UserModel:
    user = await UserModel.get_or_none(id=int_id(user_id, "User", "userId"))
    if user is None:
        raise DomainError.of("NOT_FOUND", "userId")
    return user


# ---- queries ---------------------------------------------------------------------------


@strawberry.type
class SignInQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Where the caller is signed in, newest first.",
    )
    async def my_sessions(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SessionType]:
        caller = info.context.caller
        qs = SessionModel.filter(
            user_id=caller.user.id, revoked_at__isnull=True, expires_at__gt=clock.now()
        ).order_by("-last_seen_at", "-id")
        current = caller.session.id if caller.session else None
        return await paginate(
            qs,
            lambda s: SessionType.from_model(s, current),
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(permission_classes=[IsAuthenticated])
    async def my_two_factor(self, info: strawberry.Info) -> TwoFactorStatus:
        ctx = info.context
        user = await UserModel.get(id=ctx.caller.user.id)
        remaining = await two_factor.backup_codes_remaining(user.id)
        browsers = await TrustedBrowserModel.filter(
            user_id=user.id, revoked_at__isnull=True, expires_at__gt=clock.now()
        ).order_by("-created_at")
        requirement = two_factor.requirement(ctx.rt.policy, user)
        return TwoFactorStatus(
            required=requirement == TwoFactorRequirement.REQUIRED,
            enabled=two_factor.is_required(ctx.rt.policy, user),
            can_opt_out=requirement == TwoFactorRequirement.OPTIONAL,
            totp_enabled=user.totp_confirmed_at is not None,
            backup_codes_remaining=remaining,
            # Low only for someone who has codes to run out of.
            backup_codes_low=await BackupCodeModel.exists(user_id=user.id)
            and remaining <= ctx.rt.settings.backup_code_low_threshold,
            trusted_browsers=[TrustedBrowserType.from_model(b) for b in browsers],
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The caller's security audit trail, newest first.",
    )
    async def my_security_events(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SecurityEventType]:
        qs = SecurityEventModel.filter(user_id=info.context.caller.user.id).order_by("-at", "-id")
        return await paginate(
            qs, SecurityEventType.from_model, first=first, after=after, last=last, before=before
        )

    @strawberry.field(
        permission_classes=[MANAGE_CUSTOMERS],
        description="Staff: the security audit trail, newest first: of one user (userId), "
        "of sign-in attempts for a login ID that belongs to no account (loginId), or all.",
    )
    async def security_events(
        self,
        info: strawberry.Info,
        user_id: strawberry.ID | None = None,
        login_id: str | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[SecurityEventType]:
        key = int_id(user_id, "User", "userId") if user_id is not None else None
        qs = security.audit_trail(info.context.rt, user_id=key, login_id=login_id)
        return await paginate(
            qs, SecurityEventType.from_model, first=first, after=after, last=last, before=before
        )


# ---- mutations -------------------------------------------------------------------------


@strawberry.type
class SignInMutation:
    @strawberry.mutation(
        description="Sign in with login ID and password. Answers with a "
        "session, or with a challenge for the second factor."
    )
    async def login(self, info: strawberry.Info, input: LoginInput) -> LoginPayload:
        ctx = info.context
        trusted = input.trusted_browser_token or ctx.cookie(
            ctx.rt.settings.trusted_browser_cookie_name
        )
        try:
            outcome = await sessions.login(
                ctx.rt,
                input.login_id,
                input.password,
                client=ctx.client(),
                trusted_browser_token=trusted,
            )
        except DomainError as e:
            return LoginPayload(
                session=None, challenge=None, user=None, user_errors=user_errors(e, info)
            )
        if outcome.challenge is not None:
            c = outcome.challenge
            return LoginPayload(
                session=None,
                user=None,
                user_errors=[],
                challenge=SecondFactorChallenge(
                    token=c.token,
                    expires_at=c.expires_at,
                    methods=[SecondFactorMethod(m.value) for m in c.methods],
                    email_hint=c.email_hint,
                ),
            )
        issued = outcome.issued
        return LoginPayload(
            session=_session_info(ctx, issued),
            challenge=None,
            user=UserType.from_model(issued.user),
            user_errors=[],
        )

    @strawberry.mutation(description="Mail a 6-digit code for the challenge (rate limited).")
    async def send_login_code(
        self, info: strawberry.Info, input: SendLoginCodeInput
    ) -> SendLoginCodePayload:
        try:
            async with unit_of_work():
                expires = await two_factor.send_email_code(info.context.rt, input.challenge)
        except DomainError as e:
            return SendLoginCodePayload(
                sent=False, code_expires_at=None, user_errors=user_errors(e, info)
            )
        return SendLoginCodePayload(sent=True, code_expires_at=expires, user_errors=[])

    @strawberry.mutation(
        description="Finish signing in with an emailed code, a TOTP code or a backup code."
    )
    async def verify_second_factor(
        self, info: strawberry.Info, input: VerifySecondFactorInput
    ) -> VerifySecondFactorPayload:
        ctx = info.context
        try:
            issued, passed = await sessions.complete_second_factor(
                ctx.rt,
                input.challenge,
                two_factor.SecondFactorMethod(input.method.value),
                input.code,
                trust_browser=input.trust_this_browser,
                client=ctx.client(),
            )
        except DomainError as e:
            return VerifySecondFactorPayload(
                session=None,
                user=None,
                trusted_browser_token=None,
                backup_codes=None,
                backup_codes_csv=None,
                user_errors=user_errors(e, info),
            )
        if passed.trusted_browser_token:
            ctx.cookies[ctx.rt.settings.trusted_browser_cookie_name] = (
                passed.trusted_browser_token,
                clock.now() + timedelta(days=ctx.rt.settings.trusted_browser_days),
            )
        codes, csv = _codes_payload(passed.new_backup_codes)
        return VerifySecondFactorPayload(
            session=_session_info(ctx, issued),
            user=UserType.from_model(issued.user),
            trusted_browser_token=passed.trusted_browser_token,
            backup_codes=codes,
            backup_codes_csv=csv,
            user_errors=[],
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="End this session (cookie and token)."
    )
    async def logout(self, info: strawberry.Info) -> OkPayload:
        ctx = info.context
        await sessions.logout(ctx.caller.session, ctx.client())
        ctx.cookies[ctx.rt.settings.session_cookie_name] = (None, None)
        return OkPayload(ok=True, user_errors=[])

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Sign out another device."
    )
    async def revoke_session(self, info: strawberry.Info, input: RevokeSessionInput) -> OkPayload:
        ctx = info.context
        try:
            await sessions.revoke_session(
                ctx.caller.user, int_id(input.session_id, "Session", "sessionId"), ctx.client()
            )
        except DomainError as e:
            return OkPayload(ok=False, user_errors=user_errors(e, info))
        return OkPayload(ok=True, user_errors=[])

    @strawberry.mutation(
        permission_classes=[IsAuthenticated], description="Sign out everywhere but here."
    )
    async def revoke_other_sessions(self, info: strawberry.Info) -> OkPayload:
        ctx = info.context
        await sessions.revoke_other_sessions(ctx.caller.user, ctx.caller.session, ctx.client())
        return OkPayload(ok=True, user_errors=[])

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Opt in or out of 2FA where the store makes it optional.",
    )
    async def set_two_factor(self, info: strawberry.Info, input: SetTwoFactorInput) -> OkPayload:
        ctx = info.context
        try:
            user = await _confirm_password(ctx, input.password)
            if two_factor.requirement(ctx.rt.policy, user) != TwoFactorRequirement.OPTIONAL:
                raise DomainError.of("TWO_FACTOR_NOT_OPTIONAL", "enabled")
            async with unit_of_work():
                await UserModel.filter(id=user.id).update(two_factor_enabled=input.enabled)
                await security.revoke_trusted_browsers(user.id)
                await security.record_event(
                    user.id,
                    SecurityEventKindModel.TWO_FACTOR_ENABLED
                    if input.enabled
                    else SecurityEventKindModel.TWO_FACTOR_DISABLED,
                    ctx.client(),
                )
        except DomainError as e:
            return OkPayload(ok=False, user_errors=user_errors(e, info))
        return OkPayload(ok=True, user_errors=[])

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Start adding an authenticator app: scan the QR code, "
        "then confirmTotpEnrollment with its first code.",
    )
    async def start_totp_enrollment(self, info: strawberry.Info) -> TotpEnrollmentPayload:
        ctx = info.context
        try:
            user = await UserModel.get(id=ctx.caller.user.id)
            e = await two_factor.start_totp_enrollment(ctx.rt, user)
        except DomainError as err:
            return TotpEnrollmentPayload(
                secret=None, otpauth_uri=None, qr_code_svg=None, user_errors=user_errors(err, info)
            )
        return TotpEnrollmentPayload(
            secret=e.secret,
            otpauth_uri=e.otpauth_uri,
            qr_code_svg=e.qr_code_svg_data_uri,
            user_errors=[],
        )

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def confirm_totp_enrollment(
        self, info: strawberry.Info, input: ConfirmTotpInput
    ) -> BackupCodesPayload:
        ctx = info.context
        try:
            user = await UserModel.get(id=ctx.caller.user.id)
            async with unit_of_work():
                codes = await two_factor.confirm_totp_enrollment(
                    ctx.rt, user, input.code, ctx.client()
                )
        except DomainError as e:
            return BackupCodesPayload(
                backup_codes=None, backup_codes_csv=None, user_errors=user_errors(e, info)
            )
        codes_, csv = _codes_payload(codes)
        return BackupCodesPayload(backup_codes=codes_, backup_codes_csv=csv, user_errors=[])

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Remove the authenticator app (email codes remain).",
    )
    async def disable_totp(
        self, info: strawberry.Info, input: PasswordConfirmationInput
    ) -> OkPayload:
        ctx = info.context
        try:
            user = await _confirm_password(ctx, input.password)
            async with unit_of_work():
                await two_factor.disable_totp(ctx.rt, await UserModel.get(id=user.id), ctx.client())
        except DomainError as e:
            return OkPayload(ok=False, user_errors=user_errors(e, info))
        return OkPayload(ok=True, user_errors=[])

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Ten new backup codes; the old ones stop working.",
    )
    async def regenerate_backup_codes(
        self, info: strawberry.Info, input: PasswordConfirmationInput
    ) -> BackupCodesPayload:
        ctx = info.context
        try:
            user = await _confirm_password(ctx, input.password)
            async with unit_of_work():
                codes = await two_factor.generate_backup_codes(ctx.rt, user, ctx.client())
        except DomainError as e:
            return BackupCodesPayload(
                backup_codes=None, backup_codes_csv=None, user_errors=user_errors(e, info)
            )
        codes_, csv = _codes_payload(codes)
        return BackupCodesPayload(backup_codes=codes_, backup_codes_csv=csv, user_errors=[])

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def revoke_trusted_browser(
        self, info: strawberry.Info, input: RevokeTrustedBrowserInput
    ) -> OkPayload:
        ctx = info.context
        try:
            key = int_id(input.trusted_browser_id, "TrustedBrowser", "trustedBrowserId")
            async with unit_of_work():
                if not await TrustedBrowserModel.filter(
                    id=key, user_id=ctx.caller.user.id, revoked_at__isnull=True
                ).update(revoked_at=clock.now()):
                    raise DomainError.of("NOT_FOUND", "trustedBrowserId")
                await security.record_event(
                    ctx.caller.user.id, SecurityEventKindModel.TRUSTED_BROWSER_REVOKED, ctx.client()
                )
        except DomainError as e:
            return OkPayload(ok=False, user_errors=user_errors(e, info))
        return OkPayload(ok=True, user_errors=[])

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    async def revoke_all_trusted_browsers(self, info: strawberry.Info) -> OkPayload:
        ctx = info.context
        async with unit_of_work():
            if await security.revoke_trusted_browsers(ctx.caller.user.id):
                await security.record_event(
                    ctx.caller.user.id,
                    SecurityEventKindModel.TRUSTED_BROWSER_REVOKED,
                    ctx.client(),
                    detail="all",
                )
        ctx.cookies[ctx.rt.settings.trusted_browser_cookie_name] = (None, None)
        return OkPayload(ok=True, user_errors=[])

    @strawberry.mutation(
        permission_classes=[MANAGE_CUSTOMERS],
        description="Staff: lock an account; its sessions end at once.",
    )
    async def lock_user(self, info: strawberry.Info, input: LockUserInput) -> UserLockPayload:
        ctx = info.context
        try:
            user = await _member_or_staff(input.user_id)
            async with unit_of_work():
                user = await security.lock(
                    ctx.rt, user, input.reason, actor_id=ctx.caller.user_id, client=ctx.client()
                )
        except DomainError as e:
            return UserLockPayload(user=None, user_errors=user_errors(e, info))
        return UserLockPayload(user=UserType.from_model(user), user_errors=[])

    @strawberry.mutation(permission_classes=[MANAGE_CUSTOMERS], description="Staff: lift a lock.")
    async def unlock_user(self, info: strawberry.Info, input: UnlockUserInput) -> UserLockPayload:
        ctx = info.context
        try:
            user = await _member_or_staff(input.user_id)
            async with unit_of_work():
                if not await security.unlock(
                    user, actor_id=ctx.caller.user_id, client=ctx.client()
                ):
                    raise DomainError.of("INVALID_STATUS", "userId")
            await user.refresh_from_db()
        except DomainError as e:
            return UserLockPayload(user=None, user_errors=user_errors(e, info))
        return UserLockPayload(user=UserType.from_model(user), user_errors=[])
