"""The application's clock: real time, shifted only by the playground's time travel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    @classmethod
    def starting_at(cls, moment: datetime | None) -> Clock:
        """Real time, or real time shifted so that it reads `moment` now (CLOCK_START: for
        benchmarks and demos that need a chosen Monday morning; refused in production)."""
        return cls() if moment is None else cls(offset=moment - datetime.now(UTC))

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Demo only: move the clock forward to watch reminders and digests fire."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self.offset += delta
