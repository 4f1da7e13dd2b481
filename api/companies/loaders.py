from __future__ import annotations

from strawberry.dataloader import DataLoader

from api.companies.models import Company, CompanyRole


def company_loader() -> DataLoader[int, Company | None]:
    async def load(ids: list[int]) -> list[Company | None]:
        found = {c.id: c for c in await Company.filter(id__in=ids)}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)


def custom_role_loader() -> DataLoader[int, CompanyRole | None]:
    async def load(ids: list[int]) -> list[CompanyRole | None]:
        found = {r.id: r for r in await CompanyRole.filter(id__in=ids)}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)
