"""The business calendar in the schema: closed days for date pickers, store holidays for staff.

Thin: reads come from `api.calendar.queries`, writes from `api.calendar.service`,
which checks the staff permission and owns its transaction.
"""

from __future__ import annotations

from datetime import date

import strawberry

from api import clock
from api.calendar import queries, service
from api.companies.permissions import StaffPermission
from api.graphql.errors import UserError
from api.graphql.ids import int_id, to_global_id
from api.graphql.mutations import mutation
from api.graphql.permissions import requires
from api.graphql.rows import FromRow

MANAGE_CALENDAR = requires(StaffPermission.MANAGE_CATALOG)


@strawberry.type(description="A closure staff set: first and last day included.")
class StoreHolidayType(FromRow):
    id: strawberry.ID
    start_date: date
    end_date: date
    name: str
    name_en: str

    @classmethod
    def of(cls, row: object) -> StoreHolidayType:
        return cls.from_row(row, id=strawberry.ID(to_global_id("StoreHoliday", row.id)))  # type: ignore[attr-defined]


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
        rows = await queries.store_holidays(include_past=include_past)
        return [StoreHolidayType.of(h) for h in rows]


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
    store_holiday: StoreHolidayType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteStoreHolidayPayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CalendarMutation:
    @mutation(permission_classes=[MANAGE_CALENDAR], description="Staff: close the store.")
    async def create_store_holiday(
        self, info: strawberry.Info, input: StoreHolidayInput
    ) -> StoreHolidayPayload:
        holiday = await service.create_store_holiday(
            info.context.rt,
            await info.context.actor(),
            input.start_date,
            input.end_date,
            input.name,
            input.name_en,
        )
        return StoreHolidayPayload(store_holiday=StoreHolidayType.of(holiday))

    @mutation(permission_classes=[MANAGE_CALENDAR], description="Staff: change a closure.")
    async def update_store_holiday(
        self, info: strawberry.Info, input: UpdateStoreHolidayInput
    ) -> StoreHolidayPayload:
        holiday = await service.update_store_holiday(
            info.context.rt,
            await info.context.actor(),
            int_id(input.id, "StoreHoliday"),
            input.start_date,
            input.end_date,
            input.name,
            input.name_en,
        )
        return StoreHolidayPayload(store_holiday=StoreHolidayType.of(holiday))

    @mutation(permission_classes=[MANAGE_CALENDAR], description="Staff: remove a closure.")
    async def delete_store_holiday(
        self, info: strawberry.Info, input: DeleteStoreHolidayInput
    ) -> DeleteStoreHolidayPayload:
        await service.delete_store_holiday(
            info.context.rt, await info.context.actor(), int_id(input.id, "StoreHoliday")
        )
        return DeleteStoreHolidayPayload(deleted_id=input.id)
