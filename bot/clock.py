"""The application's clock: real time, shifted only by the playground's time travel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self.offset = offset

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        """Demo only: move the clock forward to watch reminders and digests fire."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self.offset += delta
