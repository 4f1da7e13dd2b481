"""The business calendar in the schema: closed days for date pickers, store holidays for staff."""

from __future__ import annotations

from datetime import date

import strawberry

from api import clock
from api.calendar import service
from api.calendar.models import StoreHoliday
from api.companies.permissions import StaffPermission
from api.errors import DomainError
from api.graphql.errors import UserError, user_errors
from api.graphql.ids import int_id
from api.graphql.permissions import requires

# Closures move lead times, so they belong with the catalog's people.
MANAGE_CALENDAR = requires(StaffPermission.MANAGE_CATALOG)


@strawberry.type(description="A closure staff set: first and last day included.")
class StoreHolidayType:
    id: strawberry.ID
    start_date: date
    end_date: date
    name: str
    name_en: str

    @classmethod
    def from_model(cls, h: StoreHoliday) -> StoreHolidayType:
        from api.graphql.ids import to_global_id

        return cls(
            id=strawberry.ID(to_global_id("StoreHoliday", h.id)),
            start_date=h.start_date,
            end_date=h.end_date,
            name=h.name,
            name_en=h.name_en,
        )


@strawberry.type(description="A day that is not a business day.")
class ClosedDay:
    date: date
    reason: str = strawberry.field(description="WEEKEND, PUBLIC_HOLIDAY or STORE_HOLIDAY.")
    name: str = strawberry.field(description="The holiday's or closure's name, if any.")


@strawberry.type(description="Business days in a date range (Asia/Tokyo).")
class BusinessCalendarRange:
    from_date: date
    to_date: date
    today: date
    closed_days: list[ClosedDay]
    next_business_day: date = strawberry.field(description="The first business day after today.")


@strawberry.type
class CalendarQuery:
    @strawberry.field(
        description="Days in [from, to] (at most 400 days) that are not business days: "
        "weekends, Japanese public holidays and store holidays."
    )
    async def business_calendar(
        self, info: strawberry.Info, from_date: date, to_date: date
    ) -> BusinessCalendarRange:
        service.check_range(from_date, to_date, "fromDate", "toDate")
        calendar = await service.load_calendar()
        en = info.context.language == "en"
        today = clock.business_today()
        return BusinessCalendarRange(
            from_date=from_date,
            to_date=to_date,
            today=today,
            closed_days=[
                ClosedDay(
                    date=c.day, reason=c.reason.name, name=c.name_en if en and c.name_en else c.name
                )
                for c in calendar.closed_days(from_date, to_date)
            ],
            next_business_day=calendar.next_business_day(today),
        )

    @strawberry.field(description="Store holidays (New Year, summer), soonest first.")
    async def store_holidays(
        self, info: strawberry.Info, include_past: bool = False
    ) -> list[StoreHolidayType]:
        qs = StoreHoliday.all()
        if not include_past:
            qs = qs.filter(end_date__gte=clock.business_today())
        return [StoreHolidayType.from_model(h) for h in await qs.order_by("start_date", "id")]


@strawberry.input
class StoreHolidayInput:
    start_date: date
    end_date: date
    name: str
    name_en: str = ""


@strawberry.input
class UpdateStoreHolidayInput:
    id: strawberry.ID
    start_date: date
    end_date: date
    name: str
    name_en: str = ""


@strawberry.input
class DeleteStoreHolidayInput:
    id: strawberry.ID


@strawberry.type
class StoreHolidayPayload:
    store_holiday: StoreHolidayType | None
    user_errors: list[UserError]


@strawberry.type
class DeleteStoreHolidayPayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


@strawberry.type
class CalendarMutation:
    @strawberry.mutation(
        permission_classes=[MANAGE_CALENDAR], description="Staff: close the store."
    )
    async def create_store_holiday(
        self, info: strawberry.Info, input: StoreHolidayInput
    ) -> StoreHolidayPayload:
        try:
            holiday = await service.create_store_holiday(
                info.context.rt, input.start_date, input.end_date, input.name, input.name_en
            )
        except DomainError as e:
            return StoreHolidayPayload(store_holiday=None, user_errors=user_errors(e, info))
        return StoreHolidayPayload(
            store_holiday=StoreHolidayType.from_model(holiday), user_errors=[]
        )

    @strawberry.mutation(
        permission_classes=[MANAGE_CALENDAR], description="Staff: change a closure."
    )
    async def update_store_holiday(
        self, info: strawberry.Info, input: UpdateStoreHolidayInput
    ) -> StoreHolidayPayload:
        try:
            holiday = await service.update_store_holiday(
                info.context.rt,
                int_id(input.id, "StoreHoliday"),
                input.start_date,
                input.end_date,
                input.name,
                input.name_en,
            )
        except DomainError as e:
            return StoreHolidayPayload(store_holiday=None, user_errors=user_errors(e, info))
        return StoreHolidayPayload(
            store_holiday=StoreHolidayType.from_model(holiday), user_errors=[]
        )

    @strawberry.mutation(
        permission_classes=[MANAGE_CALENDAR], description="Staff: remove a closure."
    )
    async def delete_store_holiday(
        self, info: strawberry.Info, input: DeleteStoreHolidayInput
    ) -> DeleteStoreHolidayPayload:
        try:
            await service.delete_store_holiday(info.context.rt, int_id(input.id, "StoreHoliday"))
        except DomainError as e:
            return DeleteStoreHolidayPayload(deleted_id=None, user_errors=user_errors(e, info))
        return DeleteStoreHolidayPayload(deleted_id=input.id, user_errors=[])
