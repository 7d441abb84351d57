"""Database triggers that stamp a person's caseload as changed: `staff.caseload_version`.

A person's score is kept between answers (dialogs.scores.ScoreCache) and is good for as long as
the stamp it was worked out under: the stamp is read with the person's own row, in the query that
finds them, so a kept score costs no query of its own. Triggers rather than calls in the
repositories, for the reasons storage.obligation_triggers gives: a chat turn, an import, the CLI,
another instance of the bot on PostgreSQL and a hand-run SQL fix all change the same tables, and
each bump commits (or rolls back) with the change itself.

What a score reads besides the person's own row: their allocations, the cases allocated to them
(category, children, facts, dates), their over-cap approvals and their personal elements. A
change to the person's own row (role, grade, FTE, team) needs no trigger: the kept score is
looked up by the whole row as read.
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.trigger_ddl import create_trigger, drop_trigger

_CASE_WORKERS = "SELECT staff_id FROM caseallocation WHERE case_id = {row}.id"


@dataclass(frozen=True, slots=True)
class Rule:
    table: str
    event: str  # INSERT | UPDATE | DELETE
    people: tuple[str, ...]  # staff-id selects; {row} is NEW or OLD as the event allows

    @property
    def name(self) -> str:
        return f"caseload_{self.table}_{self.event.lower()}"


def _own(table: str) -> tuple[Rule, ...]:
    return (
        Rule(table, "INSERT", ("SELECT NEW.staff_id",)),
        Rule(table, "UPDATE", ("SELECT NEW.staff_id", "SELECT OLD.staff_id")),
        Rule(table, "DELETE", ("SELECT OLD.staff_id",)),
    )


RULES: tuple[Rule, ...] = (
    *_own("caseallocation"),
    *_own("overcapapproval"),
    *_own("personalelement"),
    # Any column of a case: its facts and children weigh as much as its category and dates.
    Rule("case", "UPDATE", (_CASE_WORKERS.format(row="NEW"),)),
    Rule("case", "DELETE", (_CASE_WORKERS.format(row="OLD"),)),
)


def _bump(rule: Rule) -> str:
    people = " UNION ".join(rule.people)
    # Built from this module's constants only, never from input.
    where = f"WHERE id IN (SELECT * FROM ({people}) AS affected)"  # noqa: S608
    return "UPDATE staff SET caseload_version = caseload_version + 1 " + where  # noqa: S608


def create_statements(dialect: str) -> list[str]:
    """DDL that installs every trigger on this dialect ('sqlite' or 'postgresql')."""
    return [
        statement
        for rule in RULES
        for statement in create_trigger(
            rule.name, rule.table, f'AFTER {rule.event} ON "{rule.table}"', _bump(rule), dialect
        )
    ]


def drop_statements(dialect: str) -> list[str]:
    return [s for rule in RULES for s in drop_trigger(rule.name, rule.table, dialect)]
