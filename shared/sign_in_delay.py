"""The account-wide sign-in limit only slows guessing down: it never locks the holder out.

Past LOGIN_MAX_FAILURES failures for one username (from any address) in the window, each further
sign-in for it waits before its password is checked: 0.25 s, then twice as long each time, at most
4 s. A stranger spreading guesses over many addresses gets a few per second at best, while the
holder, with the right password, is only a few seconds late. The waits are held per worker: past
MAX_DELAYED sign-ins waiting at once, one more is refused at once (503, Retry-After) instead of
piling up sleeping requests.
"""

import asyncio
from collections.abc import Awaitable, Callable

from shared.errors import ServiceUnavailable

FIRST_DELAY_SECONDS = 0.25
LONGEST_DELAY_SECONDS = 4.0
MAX_DELAYED = 32


def delay_for(failures_past_limit: int) -> float:
    """The wait of the n-th sign-in past the limit (n >= 1)."""
    if failures_past_limit < 1:
        return 0.0
    return min(LONGEST_DELAY_SECONDS, FIRST_DELAY_SECONDS * float(2 ** min(failures_past_limit - 1, 16)))


class SignInDelays:
    def __init__(self, max_delayed: int = MAX_DELAYED,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.max_delayed = max_delayed
        self._sleep = sleep
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    async def wait(self, failures_past_limit: int) -> None:
        """Sleeps the back-off; raises ServiceUnavailable when too many already wait."""
        seconds = delay_for(failures_past_limit)
        if seconds <= 0:
            return
        if self._waiting >= self.max_delayed:
            raise ServiceUnavailable("Too many sign-ins are being slowed down right now. Try again shortly.",
                                     retry_after_seconds=int(LONGEST_DELAY_SECONDS))
        self._waiting += 1  # one event loop per worker: no lock needed
        try:
            await self._sleep(seconds)
        finally:
            self._waiting -= 1
