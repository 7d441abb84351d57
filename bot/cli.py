"""The `supervision-bot` command: set up, import, seed a demo, serve, score."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from bot.commands import (
    channels,
    demo,
    export,
    governance,
    imports,
    init,
    reach,
    score,
    serve,
    teams_package,
)
from bot.runtime import UserError

DESCRIPTION = """\
Supervision Assistant keeps supervision, caseloads and compliance for children's social care
teams, and talks to people in Slack and Microsoft Teams.

Getting started:
  supervision-bot init                       create or update the database
  supervision-bot demo                       add a demo council to try things out
  supervision-bot serve --demo               run the bot and the web playground
  supervision-bot import staff staff.csv     load people from your HR export
  supervision-bot score --scheme derbyshire_wms workload.yaml
                                             work out a caseload score from a file

Run `supervision-bot COMMAND --help` for each command's options.
"""

_REGISTRARS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    init.register,
    imports.register,
    demo.register,
    serve.register,
    score.register,
    export.register,
    governance.register,
    teams_package.register,
    channels.register,
    reach.register,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="supervision-bot",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show more detail as it runs")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for register in _REGISTRARS:
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # Migration chatter is for developers; people see one line saying the database is ready.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return int(handler(args))
    except UserError as exc:
        print(f"supervision-bot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # no traceback reaches a person; -v logs it for IT
        logging.getLogger(__name__).debug("command failed", exc_info=True)
        print(
            f"supervision-bot: the command failed: {type(exc).__name__}: {exc}\n"
            "Run it again with -v for the details, or pass them to your IT team.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
