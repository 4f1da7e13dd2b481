"""Assembly of the one schema from the domains' query and mutation types.

Abuse limits (api/graphql/limits.py) are built once per process: parser limits,
then document limits measured in linear time before the schema's validation
rules, with a cap on validation errors. Extensions are passed as factories (a
fresh instance per request: instances carry the request's execution context),
but the rule classes and the cached validator inside them are shared, which is
what lets the validation cache hit across requests.
"""

from __future__ import annotations

from dataclasses import dataclass

import strawberry
from graphql.validation import MaxIntrospectionDepthRule, NoSchemaIntrospectionCustomRule
from strawberry import relay
from strawberry.extensions import AddValidationRules, ParserCache
from strawberry.schema.config import StrawberryConfig

from api.accounts.recovery_schema import RecoveryMutation
from api.accounts.schema import AccountsMutation, AccountsQuery
from api.accounts.signin_schema import SignInMutation, SignInQuery
from api.billing.schema import BillingMutation, BillingQuery
from api.calendar.schema import CalendarMutation, CalendarQuery
from api.carts.schema import CartsMutation, CartsQuery
from api.catalog.schema import CatalogQuery
from api.catalog.staff_schema import CatalogMutation
from api.companies.members_schema import MembersMutation, MembersQuery
from api.companies.schema import CompaniesMutation, CompaniesQuery
from api.contracts.schema import ContractsMutation, ContractsQuery
from api.coupons.schema import CouponsMutation, CouponsQuery
from api.graphql.limits import DocumentLimits, ParseLimits, Validation, cached_validator
from api.graphql.precomplete import PrecompletingExecutionContext
from api.graphql.text import InputText, PlanCache
from api.jobs.schema import JobsQuery
from api.legal.schema import LegalMutation, LegalQuery
from api.notifications.schema import NotificationsMutation, NotificationsQuery
from api.orders.history_schema import (
    OrderDocumentsMutation,
    OrderDocumentsQuery,
    OrderHistoryMutation,
    OrderHistoryQuery,
)
from api.payments.schema import PaymentsMutation, PaymentsQuery
from api.points.schema import PointsMutation, PointsQuery
from api.quotes.schema import QuotesMutation, QuotesQuery
from api.settings import Settings
from api.stores.schema import StoresQuery
from api.support.schema import SupportMutation, SupportQuery


@strawberry.type
class Query(
    AccountsQuery,
    SignInQuery,
    NotificationsQuery,
    StoresQuery,
    LegalQuery,
    CatalogQuery,
    CalendarQuery,
    SupportQuery,
    CompaniesQuery,
    MembersQuery,
    CartsQuery,
    JobsQuery,
    BillingQuery,
    CouponsQuery,
    QuotesQuery,
    OrderHistoryQuery,
    OrderDocumentsQuery,
    ContractsQuery,
    PointsQuery,
    PaymentsQuery,
):
    @strawberry.field(
        description="Fetch any object by its global ID; null when the caller "
        "may not see it or it does not exist."
    )
    async def node(self, info: strawberry.Info, id: relay.GlobalID) -> relay.Node | None:
        # A plain resolver rather than relay.node(): that one mutates the shared field
        # and breaks building a second schema (the no-introspection one) from it.
        try:
            return await id.resolve_node(info, required=False)
        except (KeyError, ValueError, AssertionError):
            return None


@strawberry.type
class Mutation(
    AccountsMutation,
    SignInMutation,
    RecoveryMutation,
    NotificationsMutation,
    CatalogMutation,
    CalendarMutation,
    SupportMutation,
    LegalMutation,
    CompaniesMutation,
    MembersMutation,
    BillingMutation,
    CartsMutation,
    CouponsMutation,
    QuotesMutation,
    OrderHistoryMutation,
    OrderDocumentsMutation,
    ContractsMutation,
    PointsMutation,
    PaymentsMutation,
):
    pass


class _Schema(strawberry.Schema):
    def process_errors(self, errors: list, execution_context: object = None) -> None:
        """Strawberry logs every error at ERROR with its traceback, expected ones too (a bad
        variable, a refused character): the endpoint logs instead (api/graphql/http.py),
        bugs at ERROR with the traceback, expected errors once per response at INFO."""


def _base_schema(extensions: list, debug: bool) -> strawberry.Schema:
    return _Schema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        # Resolvers may hand back finished JSON for plain data (api/graphql/precomplete.py).
        execution_context_class=PrecompletingExecutionContext,
        config=StrawberryConfig(disable_field_suggestions=not debug),
    )


def export_schema() -> str:
    """The SDL committed as schema.graphql (no limits: they do not change the SDL)."""
    return str(_base_schema([], debug=False)) + "\n"


@dataclass(frozen=True)
class Schemas:
    """The full schema, and the same schema without introspection for restricted callers."""

    full: strawberry.Schema
    no_introspection: strawberry.Schema


def build_schemas(settings: Settings) -> Schemas:
    limits = DocumentLimits(
        max_depth=settings.graphql_max_depth,
        max_aliases=settings.graphql_max_aliases,
        max_cost=settings.graphql_max_cost,
        max_spreads=settings.graphql_max_fragment_spreads,
    )
    size = settings.graphql_cache_size
    validator = cached_validator(limits, settings.graphql_max_errors, size)
    parse_limits = (
        settings.graphql_max_tokens,
        settings.graphql_max_comments,
        settings.graphql_max_body_bytes,
    )
    # graphql-core's recommended rule (not among the specified ones): nested introspection
    # lists (`fields { type { fields ... } }`) multiply the answer's size.
    rules = [MaxIntrospectionDepthRule]
    # Refused characters in string inputs, checked before any resolver (api/graphql/text.py).
    text_plans = PlanCache(size)

    def extensions(rules: list) -> list:
        return [
            lambda: ParseLimits(*parse_limits),
            lambda: ParserCache(maxsize=size),
            lambda: AddValidationRules(rules),
            lambda: Validation(validator),
            lambda: InputText(text_plans),
        ]

    return Schemas(
        full=_base_schema(extensions(rules), settings.debug),
        no_introspection=_base_schema(
            extensions([*rules, NoSchemaIntrospectionCustomRule]), settings.debug
        ),
    )
