"""The scheduler lives in the `scheduling` package; this name stays for existing callers."""

from scheduling.digests import digest_moment
from scheduling.scheduler import Scheduler

__all__ = ["Scheduler", "digest_moment"]
