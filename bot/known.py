"""Who a chat account is, remembered for a minute in this process (issue 24).

Every Slack or Teams message starts by finding the staff member behind the account: a query
and a database session of its own, before the turn's. The link between an account and a staff
row changes rarely (a first match by email, an erasure, a re-import), so it is kept here for
`lifetime` seconds and forgotten at once when this process links someone. Another instance's
change is seen within the lifetime. Nothing is decided on this alone: each turn loads the
person again by id in its own transaction, so someone removed from the staff list is refused
by the turn at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable

from dialogs.views import StaffView

LIFETIME = 60.0  # seconds an account's staff member is taken as known without asking again
SIZE = 100_000  # accounts remembered at most (then the cache starts again)


class KnownPeople:
    def __init__(
        self,
        lifetime: float = LIFETIME,
        size: int = SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lifetime, self.size, self._clock = lifetime, size, clock
        self._known: dict[Hashable, tuple[StaffView, float]] = {}

    def get(self, account: Hashable) -> StaffView | None:
        found = self._known.get(account)
        if found is None:
            return None
        if self._clock() - found[1] >= self.lifetime:
            del self._known[account]
            return None
        return found[0]

    def put(self, account: Hashable, staff: StaffView) -> None:
        if len(self._known) >= self.size:
            self._known.clear()
        self._known[account] = (staff, self._clock())

    def forget(self, staff_id: int) -> None:
        """Someone was linked (or unlinked) here: any account pointing at them is asked again."""
        for account in [a for a, (s, _) in self._known.items() if s.id == staff_id]:
            del self._known[account]
