"""Operator commands run the app's own use cases: this opens a small pool for one of them."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from shared.db import Database
from shared.settings import Settings

T = TypeVar("T")


def run_use_case(database_url: str, use_case: Callable[[Database], Awaitable[T]]) -> T:
    """Runs `use_case(db)` on its own event loop and closes the pool afterwards."""
    async def main() -> T:
        db = Database(Settings(database_url=database_url, db_pool_min_size=0, db_pool_max_size=2))
        try:
            return await use_case(db)
        finally:
            await db.close()

    return asyncio.run(main())
