"""The chart worker process: reads batches of chart requests on stdin, writes PNGs on stdout.

Started by scheduling.charts.ChartPool as `python -m scheduling.chart_worker`, so it imports only
what scoring, drawing and reading the band chart's caseworkers need (scheduling.roster), not the
web app (a multiprocessing child would import the parent's
main module, all of the bot, and double the server's memory). Frames are a 4-byte big-endian
length and a pickle, in both directions, between this process and the scheduler that started it.
It runs at a lower priority than the web server (os.nice), and the scheduler may start two.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
from typing import IO, Any

HEADER = struct.Struct(">I")


def read_frame(stream: IO[bytes]) -> Any | None:
    header = stream.read(HEADER.size)
    if len(header) < HEADER.size:
        return None  # the scheduler closed the pipe: time to go
    (size,) = HEADER.unpack(header)
    return pickle.loads(stream.read(size))  # noqa: S301 (our own parent's frames only)


def write_frame(stream: IO[bytes], value: Any) -> None:
    body = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def main() -> int:
    from scheduling.charts import draw_all

    if hasattr(os, "nice"):
        # Batch work: the web server in the parent answers Slack within 3 s, so it goes first
        # when the cores are busy; the charts take what is left.
        os.nice(10)

    source, sink = sys.stdin.buffer, sys.stdout.buffer
    reader = None  # the band chart's caseworkers, read here (scheduling.roster)
    try:
        while (job := read_frame(source)) is not None:
            requests, pack, on, roster = job
            try:
                if roster is not None:
                    from scheduling.roster import Reader

                    reader = reader or Reader()
                    requests = reader.with_members(requests, roster, on)
                write_frame(sink, ("ok", draw_all(requests, pack, on)))
            except Exception as error:  # reported to the scheduler, which logs it with the team
                write_frame(sink, ("error", f"{type(error).__name__}: {error}"))
    finally:
        if reader is not None:
            reader.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
