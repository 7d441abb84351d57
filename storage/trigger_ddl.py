"""The DDL of one row trigger on SQLite or PostgreSQL, for the modules that keep derived state
up to date in the writer's own transaction (storage.tally_triggers, storage.caseload_triggers):
PostgreSQL runs a plpgsql function per trigger, SQLite the statements inline."""

from __future__ import annotations


def create_trigger(name: str, table: str, when: str, body: str, dialect: str) -> list[str]:
    """`when`: e.g. `AFTER UPDATE OF a, b ON "t"`; `body`: SQL statements separated by `;`
    (NEW and OLD as the event allows). Replaces a trigger of the same name."""
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {body}; RETURN NULL; END $$",
            f'DROP TRIGGER IF EXISTS {name} ON "{table}"',
            f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ]
    return [f"DROP TRIGGER IF EXISTS {name}", f"CREATE TRIGGER {name} {when} BEGIN {body}; END"]


def drop_trigger(name: str, table: str, dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f'DROP TRIGGER IF EXISTS {name} ON "{table}"', f"DROP FUNCTION IF EXISTS {name}()"]
    return [f"DROP TRIGGER IF EXISTS {name}"]
