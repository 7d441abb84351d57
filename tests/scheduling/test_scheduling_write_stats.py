"""The scheduler's write transactions: timed, and no garbage collection while one is open
(issue 18: no write of the scheduler holds the lock for more than 50 ms)."""

from __future__ import annotations

import gc

import pytest

from scheduling.obligations import Stats


def test_no_collection_while_a_write_is_open_and_it_comes_back_after() -> None:
    stats = Stats()
    assert gc.isenabled()
    with stats.write("outer"):
        assert not gc.isenabled()
        with stats.write("inner"):  # the digest pipeline can open one inside another's time
            assert not gc.isenabled()
        assert not gc.isenabled()  # the inner one ending does not turn it back on
    assert gc.isenabled()
    assert stats.writes == 2
    assert stats.slowest in {"outer", "inner"}


def test_a_failed_write_turns_collection_back_on_and_is_not_counted() -> None:
    stats = Stats()
    with pytest.raises(RuntimeError), stats.write("failing"):
        raise RuntimeError("the database went away")
    assert gc.isenabled()
    assert stats.writes == 0


def test_collection_switched_off_by_someone_else_stays_off() -> None:
    stats = Stats()
    gc.disable()
    try:
        with stats.write():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
