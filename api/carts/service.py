"""The cart: what a member (or a guest, where the store sells to guests) means to buy.

Every write checks its whole input against the catalog first (the catalog's
own selection rules: options, quantity, lead time and business calendar) and
fails with coded problems leaving the cart unchanged. Reads price the cart
from the catalog every time (`api.carts.pricing`).

Guests: where the store allows guest purchase (`guest_checkout`), the first
line a guest adds creates a cart and an opaque token (returned once, stored
hashed). A signed-in member who presents a guest token (argument or the
`X-Cart-Token` header) gets that cart's lines merged into their own cart and
the guest cart deleted: the merge happens on the first cart access after
sign-in, so sign-in itself stays untouched and a mobile app merges the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from api import clock
from api.calendar.service import load_calendar
from api.carts import queries
from api.carts.models import Cart, CartLine
from api.carts.pricing import (
    CartItem,
    EvaluatedCoupon,
    PricedCart,
    PricedLine,
    PricedPoints,
    check_item,
    price_cart,
    price_lines,
)
from api.coupons import service as coupons
from api.db import unit_of_work
from api.errors import DomainError, Problem
from api.points import service as points_service
from api.stores.policy import TaxDisplay
from api.tokens import new_token
from api.validation import PREFECTURES, normalize_postal_code

MAX_LINES = 100
MAX_QUANTITY = 9_999  # per line, whatever the product allows: a cart is not a warehouse
MAX_DATE_DAYS = 365  # how far ahead a desired date may be
MAX_CART_TOTAL = 1_000_000_000  # ¥1 billion: beyond it a cart is an input error
MAX_COUPON_CODE = 64


@dataclass(frozen=True)
class CartResult:
    cart: PricedCart
    # The guest cart's token, only in the answer that created the cart.
    token: str | None = None


# ---- who owns the cart -------------------------------------------------------------------


def _member(actor: Any) -> Any | None:
    if getattr(actor, "is_staff", False):
        raise DomainError.of("FORBIDDEN")  # staff act on customers' documents, not carts
    return actor.user


def _guest_allowed(rt: Any) -> None:
    if not rt.policy.guest_checkout:
        raise DomainError.of("GUEST_CART_NOT_ALLOWED")


async def _resolve(actor: Any, rt: Any, token: str | None) -> dict[str, Any] | None:
    """The actor's cart row (merging a presented guest cart into a member's), or None."""
    user = _member(actor)
    if user is None:
        _guest_allowed(rt)
        return await queries.guest_cart(token)
    cart = await queries.member_cart(user.id)
    guest = await queries.guest_cart(token) if token else None
    if guest is not None:
        cart = await _merge(user.id, cart, guest)
    return cart


async def _merge(
    user_id: int, cart: dict[str, Any] | None, guest: dict[str, Any]
) -> dict[str, Any] | None:
    async with unit_of_work():
        if cart is None:
            # The guest cart becomes the member's: one conditional update, so a racing
            # merge of the same token finds nothing left to take.
            taken = await Cart.filter(id=guest["id"], user_id__isnull=True).update(
                user_id=user_id, token_hash=None, address_id=None, coupon_code=None, points=0
            )
            if not taken:
                return await queries.member_cart(user_id)
        else:
            if not await Cart.filter(id=guest["id"], user_id__isnull=True).exists():
                return cart
            theirs = await queries.cart_items(guest["id"])
            mine = {_identity(i): i for i in await queries.cart_items(cart["id"])}
            for item in theirs:
                same = mine.get(_identity(item))
                if same is not None:
                    await CartLine.filter(id=same.id).update(
                        quantity=min(MAX_QUANTITY, same.quantity + item.quantity)
                    )
                    await CartLine.filter(id=item.id).delete()
                else:
                    await CartLine.filter(id=item.id).update(cart_id=cart["id"])
            await Cart.filter(id=guest["id"]).delete()
            await Cart.filter(id=cart["id"]).update(updated_at=clock.now())
    return await queries.member_cart(user_id)


def _identity(item: CartItem) -> tuple[Any, ...]:
    return (item.product_id, tuple(sorted(item.option_ids)), item.desired_date, item.time_slot)


async def _cart_for_write(actor: Any, rt: Any, token: str | None) -> tuple[dict[str, Any], str]:
    """The cart to change, created when there is none yet; (row, new guest token or '')."""
    cart = await _resolve(actor, rt, token)
    if cart is not None:
        return cart, ""
    user = actor.user
    if user is None:
        raw, hashed = new_token()
        async with unit_of_work():
            created = await Cart.create(token_hash=hashed)
        return await Cart.filter(id=created.id).first().values(*queries.CART_COLUMNS), raw
    try:
        async with unit_of_work():
            await Cart.create(user_id=user.id)
    except IntegrityError:
        pass  # a racing request created it first: one cart per member
    row = await queries.member_cart(user.id)
    assert row is not None
    return row, ""


# ---- reading and pricing -----------------------------------------------------------------


async def _price(
    actor: Any,
    rt: Any,
    cart: dict[str, Any] | None,
    items: Sequence[CartItem] | None = None,
    *,
    problems: Sequence[Problem] = (),
) -> PricedCart:
    now = clock.now()
    today = clock.business_today()
    user = actor.user
    if items is None:
        items = await queries.cart_items(cart["id"]) if cart else []
    products = await queries.catalog_products(i.product_id for i in items)
    calendar = await load_calendar() if items else None
    lines = price_lines(items, products, on=today, policy=rt.policy, calendar=calendar, today=today)
    address = await queries.cart_address(user, cart["address_id"]) if cart else None
    coupon, coupon_problem = await _coupon(rt, cart, lines, user)
    points = await _points(cart, user, today)
    return price_cart(
        lines,
        policy=rt.policy,
        on=today,
        priced_at=now,
        cart_id=cart["id"] if cart else None,
        user_id=user.id if user else None,
        company_id=user.company_id if user else None,
        address=address,
        coupon=coupon,
        coupon_code=cart["coupon_code"] if cart and coupon is None else None,
        coupon_problem=coupon_problem,
        points=points,
        problems=problems,
    )


async def _points(cart: dict[str, Any] | None, user: Any, today: date) -> PricedPoints | None:
    """The points asked for, as far as the member's balance now allows (members only)."""
    if user is None:
        return None
    held = await points_service.balance_of(user.id, today)
    assert held is not None
    requested = cart["points"] if cart else 0
    problem = None
    if requested > held.balance:
        problem = Problem("POINTS_EXCEED_BALANCE", ("points",), {"balance": held.balance})
    return PricedPoints(
        requested=requested,
        used=min(requested, held.balance),
        balance=held.balance,
        expires_on=held.expires_on,
        problem=problem,
    )


def _tax_included(rt: Any) -> bool:
    return rt.policy.tax_display == TaxDisplay.INCLUDED


async def _coupon(
    rt: Any, cart: dict[str, Any] | None, lines: Sequence[PricedLine], user: Any
) -> tuple[EvaluatedCoupon | None, Problem | None]:
    """The cart's coupon evaluated again now: applied, or shown refused with its code."""
    if not cart or not cart["coupon_code"]:
        return None, None
    result = await coupons.evaluate_for_lines(
        cart["coupon_code"],
        lines,
        user_id=user.id if user else None,
        tax_included=_tax_included(rt),
    )
    if isinstance(result, Problem):
        return None, result
    return result, None


async def get_cart(actor: Any, rt: Any, token: str | None = None) -> PricedCart:
    """The actor's cart priced now (an empty cart when there is none yet)."""
    return await _price(actor, rt, await _resolve(actor, rt, token))


async def priced_cart(actor: Any, rt: Any) -> PricedCart:
    """The signed-in member's cart priced now: what a quote copies (api.quotes)."""
    if actor.user is None:
        raise DomainError.of("UNAUTHENTICATED")
    return await get_cart(actor, rt)


# ---- checking a line ---------------------------------------------------------------------


async def _check_line(
    rt: Any,
    item: CartItem,
    *,
    prefix: tuple[str, ...] = (),
) -> None:
    """Refuse a line the catalog would not sell as chosen (all problems at once)."""
    problems: list[Problem] = []
    if not 0 < item.quantity <= MAX_QUANTITY:
        problems.append(
            Problem(
                "QUANTITY_ABOVE_MAXIMUM" if item.quantity > 0 else "QUANTITY_BELOW_MINIMUM",
                ("quantity",),
                {"max": MAX_QUANTITY} if item.quantity > 0 else {"min": 1},
            )
        )
    today = clock.business_today()
    if item.desired_date is not None and item.desired_date > today + timedelta(MAX_DATE_DAYS):
        latest = today + timedelta(MAX_DATE_DAYS)
        problems.append(Problem("DATE_AFTER_LATEST", ("desiredDate",), {"latest": latest}))
    if not problems:
        products = await queries.catalog_products([item.product_id])
        calendar = await load_calendar()
        found, _ = check_item(
            products.get(item.product_id),
            item,
            calendar=calendar,
            today=today,
            time_slots={s.code for s in rt.policy.delivery_time_slots},
        )
        problems += [_rename(p) for p in found]
    if problems:
        raise DomainError(*(Problem(p.code, prefix + (p.field or ()), p.params) for p in problems))


def _rename(problem: Problem) -> Problem:
    # The catalog names the date field desiredStartDate; a cart line calls it desiredDate.
    if problem.field == ("desiredStartDate",):
        return Problem(problem.code, ("desiredDate",), problem.params)
    return problem


async def _checked_total(actor: Any, rt: Any, cart: dict[str, Any]) -> PricedCart:
    priced = await _price(actor, rt, cart)
    if priced.breakdown.total > MAX_CART_TOTAL:
        raise DomainError.of("CART_TOTAL_TOO_LARGE", "quantity", max=MAX_CART_TOTAL)
    return priced


# ---- writes ------------------------------------------------------------------------------


async def add_line(
    actor: Any,
    rt: Any,
    *,
    token: str | None,
    product_id: int,
    option_ids: Sequence[int] = (),
    quantity: int = 1,
    desired_date: date | None = None,
    time_slot: str | None = None,
) -> CartResult:
    """Put a product into the cart; the same choice again adds to that line's quantity."""
    item = CartItem(
        id=0,
        product_id=product_id,
        option_ids=tuple(sorted(set(option_ids))),
        quantity=quantity,
        desired_date=desired_date,
        time_slot=time_slot,
    )
    _member(actor)
    if actor.user is None:
        _guest_allowed(rt)
    await _check_line(rt, item)
    cart, new = await _cart_for_write(actor, rt, token)
    items = await queries.cart_items(cart["id"])
    same = next((i for i in items if _identity(i) == _identity(item)), None)
    async with unit_of_work():
        if same is not None:
            combined = CartItem(**{**same.__dict__, "quantity": same.quantity + quantity})
            await _check_line(rt, combined)
            await CartLine.filter(id=same.id).update(quantity=combined.quantity)
        else:
            if len(items) >= MAX_LINES:
                raise DomainError.of("CART_FULL", "productId", max=MAX_LINES)
            await CartLine.create(
                cart_id=cart["id"],
                product_id=product_id,
                option_ids=list(item.option_ids),
                quantity=quantity,
                desired_date=desired_date,
                time_slot=time_slot,
            )
        await Cart.filter(id=cart["id"]).update(updated_at=clock.now())
        priced = await _checked_total(actor, rt, cart)
    return CartResult(priced, new or None)


_UNSET: Any = object()


async def update_line(
    actor: Any,
    rt: Any,
    *,
    token: str | None,
    line_id: int,
    quantity: int | None = None,
    option_ids: Sequence[int] | None = None,
    desired_date: date | None = _UNSET,
    time_slot: str | None = _UNSET,
) -> CartResult:
    """Change a line's quantity, options, date or slot (omitted fields stay; null clears)."""
    cart = await _resolve(actor, rt, token)
    items = await queries.cart_items(cart["id"]) if cart else []
    current = next((i for i in items if i.id == line_id), None)
    if cart is None or current is None:
        raise DomainError.of("NOT_FOUND", "lineId")
    changed = CartItem(
        id=current.id,
        product_id=current.product_id,
        option_ids=(
            tuple(sorted(set(option_ids))) if option_ids is not None else current.option_ids
        ),
        quantity=quantity if quantity is not None else current.quantity,
        desired_date=current.desired_date if desired_date is _UNSET else desired_date,
        time_slot=current.time_slot if time_slot is _UNSET else time_slot,
    )
    await _check_line(rt, changed)
    async with unit_of_work():
        await CartLine.filter(id=current.id, cart_id=cart["id"]).update(
            quantity=changed.quantity,
            option_ids=list(changed.option_ids),
            desired_date=changed.desired_date,
            time_slot=changed.time_slot,
        )
        await Cart.filter(id=cart["id"]).update(updated_at=clock.now())
        priced = await _checked_total(actor, rt, cart)
    return CartResult(priced)


async def remove_line(actor: Any, rt: Any, *, token: str | None, line_id: int) -> CartResult:
    cart = await _resolve(actor, rt, token)
    if cart is None:
        raise DomainError.of("NOT_FOUND", "lineId")
    async with unit_of_work():
        if not await CartLine.filter(id=line_id, cart_id=cart["id"]).delete():
            raise DomainError.of("NOT_FOUND", "lineId")
        await Cart.filter(id=cart["id"]).update(updated_at=clock.now())
    return CartResult(await _price(actor, rt, cart))


async def clear_cart(actor: Any, rt: Any, *, token: str | None) -> CartResult:
    """Empty the cart: lines, address, coupon and points."""
    cart = await _resolve(actor, rt, token)
    if cart is not None:
        async with unit_of_work():
            await CartLine.filter(cart_id=cart["id"]).delete()
            await Cart.filter(id=cart["id"]).update(
                address_id=None, coupon_code=None, points=0, updated_at=clock.now()
            )
        cart = {**cart, "address_id": None, "coupon_code": None, "points": 0}
    return CartResult(await _price(actor, rt, cart, []))


async def set_delivery_address(
    actor: Any, rt: Any, *, token: str | None, address_id: int | None
) -> CartResult:
    """Deliver to an entry of the member's address book (Japanese addresses only); None clears."""
    user = _member(actor)
    if user is None:
        _guest_allowed(rt)
        raise DomainError.of("UNAUTHENTICATED", "addressId")  # guests give it at checkout
    address = None
    if address_id is not None:
        address = await queries.book_address(user, address_id)
        if address is None:
            raise DomainError.of("NOT_FOUND", "addressId")
        if address.prefecture not in PREFECTURES or not normalize_postal_code(address.postal_code):
            raise DomainError.of("ADDRESS_NOT_DOMESTIC", "addressId")
    cart, _ = await _cart_for_write(actor, rt, token)
    async with unit_of_work():
        await Cart.filter(id=cart["id"]).update(address_id=address_id, updated_at=clock.now())
    return CartResult(await _price(actor, rt, {**cart, "address_id": address_id}))


# ---- coupon --------------------------------------------------------------------------------


async def apply_coupon(actor: Any, rt: Any, *, token: str | None, code: str) -> CartResult:
    """Apply a web coupon to the cart; a refusal says why (COUPON_*) and changes nothing.

    The code is case- and width-insensitive. One coupon per cart: applying
    another replaces it. The cart re-evaluates it on every read.
    """
    cart = await _resolve(actor, rt, token)
    if cart is None or not code or not code.strip():
        raise DomainError.of(
            "COUPON_NOT_APPLICABLE" if code and code.strip() else "REQUIRED", "code"
        )
    priced = await _price(actor, rt, {**cart, "coupon_code": None})
    result = await coupons.evaluate_for_lines(
        code,
        priced.lines,
        user_id=actor.user.id if actor.user else None,
        tax_included=_tax_included(rt),
    )
    if isinstance(result, Problem):
        raise DomainError(result)
    async with unit_of_work():
        await Cart.filter(id=cart["id"]).update(coupon_code=result.code, updated_at=clock.now())
    return CartResult(await _price(actor, rt, {**cart, "coupon_code": result.code}))


async def remove_coupon(actor: Any, rt: Any, *, token: str | None) -> CartResult:
    cart = await _resolve(actor, rt, token)
    if cart is not None and cart["coupon_code"]:
        async with unit_of_work():
            await Cart.filter(id=cart["id"]).update(coupon_code=None, updated_at=clock.now())
        cart = {**cart, "coupon_code": None}
    return CartResult(await _price(actor, rt, cart))


# ---- points ------------------------------------------------------------------------------


async def use_points(actor: Any, rt: Any, *, token: str | None, points: int) -> CartResult:
    """Use points on the cart (1 point = ¥1): any whole number up to the balance and up to
    the amount payable; 0 uses none. Members only (guests neither earn nor use points)."""
    user = _member(actor)
    if user is None:
        if not rt.policy.guest_checkout:
            raise DomainError.of("GUEST_CART_NOT_ALLOWED")
        raise DomainError.of("POINTS_MEMBERS_ONLY", "points")
    if not 0 <= points <= points_service.MAX_POINTS:
        raise DomainError.of("OUT_OF_RANGE", "points", min=0, max=points_service.MAX_POINTS)
    cart = await _resolve(actor, rt, token)
    if cart is None:
        if points:
            raise DomainError.of("POINTS_EXCEED_TOTAL", "points", max=0)
        return CartResult(await _price(actor, rt, None))
    priced = await _price(actor, rt, {**cart, "points": 0})
    held = priced.points.balance if priced.points else 0
    if points > (held or 0):
        raise DomainError.of("POINTS_EXCEED_BALANCE", "points", balance=held or 0)
    if points > priced.breakdown.total:
        raise DomainError.of("POINTS_EXCEED_TOTAL", "points", max=priced.breakdown.total)
    async with unit_of_work():
        await Cart.filter(id=cart["id"]).update(points=points, updated_at=clock.now())
    return CartResult(await _price(actor, rt, {**cart, "points": points}))


# ---- housekeeping ------------------------------------------------------------------------


async def purge_guest_carts(now: Any = None) -> int:
    """Delete guest carts whose token no longer reaches them (idempotent); how many."""
    cutoff = queries.guest_cutoff(now)
    async with unit_of_work():
        stale = Cart.filter(user_id__isnull=True, updated_at__lt=cutoff)
        ids = await stale.values_list("id", flat=True)
        if not ids:
            return 0
        await CartLine.filter(cart_id__in=ids).delete()
        return await Cart.filter(id__in=ids, user_id__isnull=True).delete()
