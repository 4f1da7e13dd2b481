from __future__ import annotations

from strawberry.dataloader import DataLoader

from api.accounts.models import User


def user_loader() -> DataLoader[int, User | None]:
    """Users named by inquiries and withdrawal requests, one query per request."""

    async def load(ids: list[int]) -> list[User | None]:
        found = {u.id: u for u in await User.filter(id__in=ids)}
        return [found.get(i) for i in ids]

    return DataLoader(load_fn=load)
