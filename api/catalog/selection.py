"""The rules a customer's choice of a product must follow: one rule set for every caller.

A choice is options, a quantity and a desired start (or delivery) date. The
catalog's `checkProductSelection` and the cart (`api.carts.pricing.check_item`,
on every add and every pricing) both call `check_choice`, so the detail page
and the cart can never disagree about what may be bought.

`check_choice` is pure: it reads a product through the `Selectable` shape
(any object with those attributes: the catalog's `SelectableProduct`, the
cart's `CatalogProduct`), the business calendar and today's date.
`check_selection` is the service behind the schema field: it loads the
product the actor may see and prices the choice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from api import clock
from api.actor import Actor
from api.calendar.service import BusinessCalendar, load_calendar
from api.errors import Problem


class SelectionField(StrEnum):
    OPTIONS = "optionIds"
    QUANTITY = "quantity"
    DATE = "desiredStartDate"


class SelectableGroup(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def min_select(self) -> int: ...
    @property
    def max_select(self) -> int | None: ...


class SelectableOption(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def group_id(self) -> int: ...
    @property
    def code(self) -> str: ...
    @property
    def lead_time_days(self) -> int: ...
    @property
    def requires(self) -> Sequence[str]: ...
    @property
    def excludes(self) -> Sequence[str]: ...


class Selectable(Protocol):
    """What the rules read of a product."""

    @property
    def min_quantity(self) -> int: ...
    @property
    def max_quantity(self) -> int | None: ...
    @property
    def quantity_step(self) -> int: ...
    @property
    def fixed_quantity(self) -> int | None: ...
    @property
    def lead_time_days(self) -> int: ...
    @property
    def groups(self) -> Sequence[SelectableGroup]: ...
    @property
    def options(self) -> Sequence[SelectableOption]: ...


@dataclass(frozen=True)
class OptionRow:
    id: int
    group_id: int
    code: str
    lead_time_days: int
    requires: tuple[str, ...]
    excludes: tuple[str, ...]
    price: int = 0  # tax excluded, per unit
    price_including_tax: int = 0


@dataclass(frozen=True)
class GroupRow:
    id: int
    name: str
    min_select: int
    max_select: int | None


@dataclass(frozen=True)
class SelectableProduct:
    """A product as the catalog reads it for a selection check (`queries.selectable`)."""

    id: int
    tax_category: str
    price: int
    price_including_tax: int
    min_quantity: int
    max_quantity: int | None
    quantity_step: int
    fixed_quantity: int | None
    lead_time_days: int
    groups: tuple[GroupRow, ...]
    options: tuple[OptionRow, ...]


# ---- the rules ---------------------------------------------------------------------------


def check_options(
    groups: Iterable[SelectableGroup],
    options: Iterable[SelectableOption],
    chosen_ids: Sequence[int],
) -> list[Problem]:
    """Problems with a choice of options: unknown ids, group counts, requires and excludes."""
    field_name = (SelectionField.OPTIONS.value,)
    by_id = {o.id: o for o in options}
    problems = []
    if any(i not in by_id for i in chosen_ids):
        return [Problem("OPTION_NOT_AVAILABLE", field_name)]
    chosen = [by_id[i] for i in dict.fromkeys(chosen_ids)]
    codes = {o.code for o in chosen}
    for group in groups:
        count = sum(1 for o in chosen if o.group_id == group.id)
        if count < group.min_select:
            problems.append(
                Problem(
                    "OPTION_SELECTION_TOO_FEW",
                    field_name,
                    {"group": group.name, "min": group.min_select},
                )
            )
        if group.max_select is not None and count > group.max_select:
            problems.append(
                Problem(
                    "OPTION_SELECTION_TOO_MANY",
                    field_name,
                    {"group": group.name, "max": group.max_select},
                )
            )
    for option in chosen:
        missing = [c for c in option.requires if c not in codes]
        if missing:
            problems.append(
                Problem("OPTION_REQUIRES", field_name, {"option": option.code, "other": missing[0]})
            )
        clash = [c for c in option.excludes if c in codes]
        if clash:
            problems.append(
                Problem("OPTION_EXCLUDES", field_name, {"option": option.code, "other": clash[0]})
            )
    return problems


def check_quantity(
    quantity: int, minimum: int, maximum: int | None, step: int, fixed: int | None
) -> list[Problem]:
    field_name = (SelectionField.QUANTITY.value,)
    if fixed is not None:
        return (
            []
            if quantity == fixed
            else [Problem("QUANTITY_FIXED", field_name, {"quantity": fixed})]
        )
    if quantity < minimum:
        return [Problem("QUANTITY_BELOW_MINIMUM", field_name, {"min": minimum})]
    if maximum is not None and quantity > maximum:
        return [Problem("QUANTITY_ABOVE_MAXIMUM", field_name, {"max": maximum})]
    if (quantity - minimum) % step:
        return [Problem("QUANTITY_STEP", field_name, {"min": minimum, "step": step})]
    return []


def earliest_start(
    calendar: BusinessCalendar, today: date, lead_time_days: int, option_lead_days: Iterable[int]
) -> date:
    """The first allowed desired start/delivery date: the longest lead time of product and options,
    in business days after today (a lead time of 0 allows today when it is a business day)."""
    lead = max([lead_time_days, *option_lead_days])
    return calendar.add_business_days(today, lead)


def check_desired_date(
    calendar: BusinessCalendar, earliest: date, requested: date
) -> list[Problem]:
    field_name = (SelectionField.DATE.value,)
    if requested < earliest:
        return [Problem("DATE_BEFORE_EARLIEST", field_name, {"earliest": earliest.isoformat()})]
    if not calendar.is_business_day(requested):
        return [
            Problem(
                "DATE_NOT_BUSINESS_DAY",
                field_name,
                {"next": calendar.next_business_day(requested).isoformat()},
            )
        ]
    return []


def check_choice(
    product: Selectable,
    option_ids: Sequence[int],
    *,
    quantity: int | None,
    desired_date: date | None,
    calendar: BusinessCalendar,
    today: date,
) -> tuple[list[Problem], date]:
    """Every problem with a choice (options, quantity when given, desired date when given)
    and the earliest date it allows. The one rule set of the catalog and the cart."""
    problems = check_options(product.groups, product.options, option_ids)
    if quantity is not None:
        problems += check_quantity(
            quantity,
            product.min_quantity,
            product.max_quantity,
            product.quantity_step,
            product.fixed_quantity,
        )
    chosen = set(option_ids)
    earliest = earliest_start(
        calendar,
        today,
        product.lead_time_days,
        [o.lead_time_days for o in product.options if o.id in chosen],
    )
    if desired_date is not None:
        problems += check_desired_date(calendar, earliest, desired_date)
    return problems, earliest


# ---- the service -------------------------------------------------------------------------


@dataclass(frozen=True)
class SelectionCheck:
    problems: tuple[Problem, ...]
    earliest_start_date: date
    tax_category: str
    unit_price: int  # product plus chosen options, tax excluded
    unit_price_including_tax: int

    @property
    def valid(self) -> bool:
        return not self.problems


async def check_selection(
    actor: Actor,
    product_id: int,
    option_ids: Sequence[int],
    *,
    quantity: int | None = None,
    desired_date: date | None = None,
) -> SelectionCheck:
    """Whether the actor may choose this, and its unit price. NOT_FOUND (productId) for a
    product the actor may not see; customers see published products only."""
    from api.catalog import queries

    product = await queries.selectable(actor, product_id, "productId")
    calendar = await load_calendar()
    problems, earliest = check_choice(
        product,
        option_ids,
        quantity=quantity,
        desired_date=desired_date,
        calendar=calendar,
        today=clock.business_today(),
    )
    chosen = [o for o in product.options if o.id in set(option_ids)]
    return SelectionCheck(
        problems=tuple(problems),
        earliest_start_date=earliest,
        tax_category=product.tax_category,
        unit_price=product.price + sum(o.price for o in chosen),
        unit_price_including_tax=product.price_including_tax
        + sum(o.price_including_tax for o in chosen),
    )


async def earliest_start_date(actor: Actor, product_id: int, option_ids: Sequence[int]) -> date:
    """The first allowed desired date for a product the actor may see, with these options
    (ids of other products' options are passed over: `check_selection` names them)."""
    from api.catalog import queries

    row = await queries.product_row(actor, product_id, "productId")
    leads = await queries.option_lead_times(row["id"], list(option_ids))
    calendar = await load_calendar()
    return earliest_start(calendar, clock.business_today(), row["lead_time_days"], leads)
