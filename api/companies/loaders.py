from __future__ import annotations

from strawberry.dataloader import DataLoader

from api.companies.models import Company


def company_loader() -> DataLoader[int, Company | None]:
    async def load(ids: list[int]) -> list[Company | None]:
        found = {c.id: c for c in await Company.filter(id__in=ids)}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)
