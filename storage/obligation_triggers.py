"""Database triggers that mark a person's obligations stale when a fact the policy reads changes.

Triggers rather than calls in the repositories: a chat turn, an import, the CLI and a hand-run SQL
fix all change the same tables, and a stale mark that one of them forgot would leave reminders
and digests wrong without a sign. Each mark is one indexed UPDATE in the writer's own
transaction, so it commits (or rolls back) with the change itself. SQLite and PostgreSQL get the
same rules in their own syntax; the migration installs them.
"""

from __future__ import annotations

from dataclasses import dataclass

# Who owes something different when a row changes: SQL that selects staff ids, with NEW / OLD.
_SESSION_PEOPLE = (
    "SELECT {row}.supervisor_id UNION "
    "SELECT staff_id FROM sessionattendee WHERE session_id = {row}.id"
)
_RECORD_PEOPLE = (
    "SELECT supervisor_id FROM supervisionsession WHERE id = {row}.session_id UNION "
    "SELECT staff_id FROM sessionattendee WHERE session_id = {row}.session_id"
)
_ATTENDEE_PEOPLE = (
    "SELECT {row}.staff_id UNION "
    "SELECT supervisor_id FROM supervisionsession WHERE id = {row}.session_id"
)
_CASE_WORKERS = "SELECT staff_id FROM caseallocation WHERE case_id = {row}.case_id"
_CASE_ROW_WORKERS = "SELECT staff_id FROM caseallocation WHERE case_id = {row}.id"


@dataclass(frozen=True, slots=True)
class Rule:
    table: str
    event: str  # INSERT | UPDATE | DELETE
    people: tuple[str, ...]  # staff-id selects; {row} is NEW or OLD as the event allows
    columns: tuple[str, ...] = ()  # UPDATE OF these columns only

    @property
    def name(self) -> str:
        return f"obligations_{self.table}_{self.event.lower()}"


def _both(template: str) -> tuple[str, ...]:
    return (template.format(row="NEW"), template.format(row="OLD"))


_STAFF_COLUMNS = (
    "role",
    "team_id",
    "line_manager_id",
    "start_date",
    "leaving_date",
    "asye_start",
    "agency",
    "fte",
    "organisation_id",
)

RULES: tuple[Rule, ...] = (
    Rule(
        "staff",
        "UPDATE",
        ("SELECT NEW.id",),
        (
            "role",
            "team_id",
            "line_manager_id",
            "start_date",
            "leaving_date",
            "asye_start",
            "agency",
            "fte",
            "organisation_id",
        ),
    ),
    Rule("supervisionsession", "INSERT", (_SESSION_PEOPLE.format(row="NEW"),)),
    Rule(
        "supervisionsession",
        "UPDATE",
        _both(_SESSION_PEOPLE),
        ("type", "supervisor_id", "planned_start", "planned_end", "status"),
    ),
    Rule("supervisionsession", "DELETE", (_SESSION_PEOPLE.format(row="OLD"),)),
    Rule("sessionattendee", "INSERT", (_ATTENDEE_PEOPLE.format(row="NEW"),)),
    Rule("sessionattendee", "UPDATE", _both(_ATTENDEE_PEOPLE)),
    Rule("sessionattendee", "DELETE", (_ATTENDEE_PEOPLE.format(row="OLD"),)),
    Rule("supervisionrecord", "INSERT", (_RECORD_PEOPLE.format(row="NEW"),)),
    Rule(
        "supervisionrecord",
        "UPDATE",
        _both(_RECORD_PEOPLE),
        ("session_id", "written_at", "supervisor_signed_at", "supervisee_signed_at"),
    ),
    Rule("supervisionrecord", "DELETE", (_RECORD_PEOPLE.format(row="OLD"),)),
    Rule("recordcasediscussion", "INSERT", (_CASE_WORKERS.format(row="NEW"),)),
    Rule("recordcasediscussion", "UPDATE", _both(_CASE_WORKERS)),
    Rule("recordcasediscussion", "DELETE", (_CASE_WORKERS.format(row="OLD"),)),
    Rule("absence", "INSERT", ("SELECT NEW.staff_id",)),
    Rule("absence", "UPDATE", ("SELECT NEW.staff_id", "SELECT OLD.staff_id")),
    Rule("absence", "DELETE", ("SELECT OLD.staff_id",)),
    Rule("caseallocation", "INSERT", ("SELECT NEW.staff_id",)),
    Rule("caseallocation", "UPDATE", ("SELECT NEW.staff_id", "SELECT OLD.staff_id")),
    Rule("caseallocation", "DELETE", ("SELECT OLD.staff_id",)),
    Rule(
        "case",
        "UPDATE",
        (_CASE_ROW_WORKERS.format(row="NEW"),),
        ("category", "opened", "closed", "case_supervision_extension_until"),
    ),
    Rule("case", "DELETE", (_CASE_ROW_WORKERS.format(row="OLD"),)),
    Rule(
        "organisation",
        "UPDATE",
        ("SELECT id FROM staff WHERE organisation_id = NEW.id",),
        # Migration 3f0c7a1e5b29 re-creates this trigger on `pack_id, go_live` (issue 23 item
        # 1). This module keeps the columns the earlier migrations install it with: they call
        # it on a database without `go_live`, which PostgreSQL refuses in UPDATE OF. A later
        # migration re-creating this trigger from here must add go_live back.
        ("pack_id",),
    ),
)


def _bump(rule: Rule) -> str:
    people = " UNION ".join(rule.people)
    # Built from this module's constants only, never from input.
    where = f"WHERE staff_id IN (SELECT * FROM ({people}) AS affected)"  # noqa: S608
    return "UPDATE obligationstate SET changes = changes + 1 " + where  # noqa: S608


_NEW_STAFF = (
    "INSERT {verb} INTO obligationstate "
    "(staff_id, organisation_id, changes, computed, pack_fingerprint) "
    "VALUES (NEW.id, NEW.organisation_id, 1, 0, ''){tail}"
)


def _when(rule: Rule) -> str:
    columns = f" OF {', '.join(rule.columns)}" if rule.columns else ""
    return f'AFTER {rule.event}{columns} ON "{rule.table}"'


def create_statements(dialect: str, *, table: str | None = None) -> list[str]:
    """DDL that installs every trigger on this dialect ('sqlite' or 'postgresql'), or only
    those of `table` (a table a migration rebuilt on SQLite has lost its triggers)."""
    statements: list[str] = []
    new_staff = Rule("staff", "INSERT", ())
    if table is not None:
        if dialect == "postgresql" or table == "staff":
            raise ValueError("only a rebuilt SQLite table other than staff needs this")
        for rule in (r for r in RULES if r.table == table):
            statements.append(f"DROP TRIGGER IF EXISTS {rule.name}")
            statements.append(f"CREATE TRIGGER {rule.name} {_when(rule)} BEGIN {_bump(rule)}; END")
        return statements
    if dialect == "postgresql":
        insert = _NEW_STAFF.format(verb="", tail=" ON CONFLICT (staff_id) DO NOTHING")
        for rule, body in ((new_staff, insert), *((r, _bump(r)) for r in RULES)):
            statements.append(
                f"CREATE OR REPLACE FUNCTION {rule.name}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {body}; RETURN NULL; END $$"
            )
            statements.append(f'DROP TRIGGER IF EXISTS {rule.name} ON "{rule.table}"')
            statements.append(
                f"CREATE TRIGGER {rule.name} {_when(rule)} "
                f"FOR EACH ROW EXECUTE FUNCTION {rule.name}()"
            )
        return statements
    insert = _NEW_STAFF.format(verb="OR IGNORE", tail="")
    for rule, body in ((new_staff, insert), *((r, _bump(r)) for r in RULES)):
        statements.append(f"DROP TRIGGER IF EXISTS {rule.name}")
        statements.append(f"CREATE TRIGGER {rule.name} {_when(rule)} BEGIN {body}; END")
    return statements


def drop_statements(dialect: str) -> list[str]:
    names = [Rule("staff", "INSERT", ()), *RULES]
    if dialect == "postgresql":
        return [
            statement
            for rule in names
            for statement in (
                f'DROP TRIGGER IF EXISTS {rule.name} ON "{rule.table}"',
                f"DROP FUNCTION IF EXISTS {rule.name}()",
            )
        ]
    return [f"DROP TRIGGER IF EXISTS {rule.name}" for rule in names]
