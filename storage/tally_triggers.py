"""Database triggers that delete a council's stored compliance tallies (storage.models.tallies)
from the first month a changed fact can touch, in the writer's own transaction.

Triggers, as for the obligations (storage.obligation_triggers): a chat turn, an import, the CLI
and a hand-run SQL fix all change the same tables, and a tally one of them forgot to clear would
show a wrong trend with no sign of it. Each rule is one DELETE on the tallies' primary key (an
organisation's months from a date), which finds nothing most of the time: facts change in the
current month, and only closed months are stored.

What counts as touching a month (storage.queries.compliance counts a person-month):
- a session of the counted kinds held, moved, retyped or deleted: the month it started in;
- a supervisee added to or taken off a session: that session's month;
- an absence (POWYS 002:33 exclusion), or a month's recorded reason (DCC 000:176): from its
  first day;
- a member of staff starting, leaving, or their ASYE start corrected: from the earlier of the
  old and new dates; a new member of staff, one deleted or moved to another council: every
  month;
- the council's go-live date (issue 23 item 1) or pack: every month.
A person's team, role or agency status changing is not a change to the past: a closed month
keeps counting them where they were when it was counted (the current months follow the change).

Dates are widened by a month (`- 31 days`, `- 32 days` for instants, which covers any London
offset) instead of being cut to the first of the month, so that both dialects write the same
simple arithmetic; at worst one more month is recounted.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.trigger_ddl import create_trigger, drop_trigger

_ALL = "ALL"  # every month of the organisation


@dataclass(frozen=True, slots=True)
class Rule:
    table: str
    event: str  # INSERT | UPDATE | DELETE
    # (organisation-id select, since, changed-test) triples; since is an expression template
    # (see `_since`); {row} is NEW or OLD; changed is "" or a column whose change matters.
    clears: tuple[tuple[str, str, str], ...]
    columns: tuple[str, ...] = ()  # UPDATE OF these columns only

    @property
    def name(self) -> str:
        return f"tallies_{self.table}_{self.event.lower()}"


_SESSION_ORG = "SELECT {row}.organisation_id"
_VIA_SESSION = "SELECT organisation_id FROM supervisionsession WHERE id = {row}.session_id"
_VIA_STAFF = "SELECT organisation_id FROM staff WHERE id = {row}.staff_id"
_SESSION_START = "instant:{row}.planned_start"
_SESSION_START_VIA = (
    "instant:(SELECT planned_start FROM supervisionsession WHERE id = {row}.session_id)"
)


def _rows(event: str) -> tuple[str, ...]:
    return {"INSERT": ("NEW",), "DELETE": ("OLD",), "UPDATE": ("OLD", "NEW")}[event]


def _simple(table: str, event: str, org: str, since: str, columns: tuple[str, ...] = ()) -> Rule:
    clears = tuple((org.format(row=row), since.format(row=row), "") for row in _rows(event))
    return Rule(table, event, clears, columns)


def _staff_update() -> Rule:
    clears: list[tuple[str, str, str]] = []
    for column, missing in (
        ("start_date", "0001-01-01"),  # no start date: in post in every month
        ("leaving_date", "9999-12-31"),  # no leaving date: still in post
        ("asye_start", "0001-01-01"),
    ):
        for row in ("OLD", "NEW"):
            clears.append(
                (f"SELECT {row}.organisation_id", f"date:{row}.{column}|{missing}", column)
            )
    for row in ("OLD", "NEW"):
        clears.append((f"SELECT {row}.organisation_id", _ALL, "organisation_id"))
    return Rule(
        "staff",
        "UPDATE",
        tuple(clears),
        ("start_date", "leaving_date", "asye_start", "organisation_id"),
    )


RULES: tuple[Rule, ...] = (
    *(
        _simple("supervisionsession", event, _SESSION_ORG, _SESSION_START, columns)
        for event, columns in (
            ("INSERT", ()),
            ("UPDATE", ("type", "planned_start", "status", "organisation_id")),
            ("DELETE", ()),
        )
    ),
    *(
        _simple("sessionattendee", event, _VIA_SESSION, _SESSION_START_VIA)
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    *(
        _simple("absence", event, _VIA_STAFF, "date:{row}.start_date|0001-01-01")
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    *(
        _simple("missedmonth", event, _VIA_STAFF, "date:{row}.month|0001-01-01")
        for event in ("INSERT", "UPDATE", "DELETE")
    ),
    _simple("staff", "INSERT", "SELECT {row}.organisation_id", _ALL),
    _staff_update(),
    _simple("staff", "DELETE", "SELECT {row}.organisation_id", _ALL),
    _simple("organisation", "UPDATE", "SELECT {row}.id", _ALL, ("pack_id", "go_live")),
)


def _since(template: str, dialect: str) -> str:
    """The first month to clear as SQL: `ALL`, `date:<expr>|<if null>` or `instant:<expr>`."""
    postgres = dialect == "postgresql"
    if template == _ALL:
        return "DATE '0001-01-01'" if postgres else "'0001-01-01'"
    kind, _, rest = template.partition(":")
    if kind == "instant":
        return f"(({rest}) - interval '32 days')::date" if postgres else f"date({rest}, '-32 days')"
    expression, _, missing = rest.partition("|")
    if postgres:
        return f"(COALESCE({expression}, DATE '{missing}') - 31)"
    return f"date(COALESCE({expression}, '{missing}'), '-31 days')"


def _changed(column: str, dialect: str) -> str:
    if not column:
        return ""
    if dialect == "postgresql":
        return f" AND OLD.{column} IS DISTINCT FROM NEW.{column}"
    return f" AND OLD.{column} IS NOT NEW.{column}"


def _body(rule: Rule, dialect: str) -> str:
    # Built from this module's constants only, never from input.
    return "; ".join(
        "DELETE FROM compliancetally WHERE organisation_id IN "  # noqa: S608
        f"(SELECT * FROM ({org}) AS affected) AND month >= {_since(since, dialect)}"
        f"{_changed(changed, dialect)}"
        for org, since, changed in rule.clears
    )


def _when(rule: Rule) -> str:
    columns = f" OF {', '.join(rule.columns)}" if rule.columns else ""
    return f'AFTER {rule.event}{columns} ON "{rule.table}"'


def create_statements(dialect: str, *, table: str | None = None) -> list[str]:
    """DDL that installs every rule on this dialect ('sqlite' or 'postgresql'), or only those of
    `table` (a table a migration rebuilt on SQLite has lost its triggers)."""
    return [
        statement
        for rule in RULES
        if table is None or rule.table == table
        for statement in create_trigger(
            rule.name, rule.table, _when(rule), _body(rule, dialect), dialect
        )
    ]


def drop_statements(dialect: str) -> list[str]:
    return [s for rule in RULES for s in drop_trigger(rule.name, rule.table, dialect)]
