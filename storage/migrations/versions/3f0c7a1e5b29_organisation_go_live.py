"""organisation go-live (issue 23 item 1) and a team's meeting link (item 6)

A council that starts with staff in post since 2015 and imports no history would otherwise see
everyone "overdue by 4,251 days" on day one. Setting or moving the go-live date changes what
everyone in the organisation owes, so the organisation's obligation trigger now fires on it as
on its pack.

Revision ID: 3f0c7a1e5b29
Revises: 3f0c7a1e5b28
Create Date: 2026-12-07 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3f0c7a1e5b29'
down_revision: str | None = '3f0c7a1e5b28'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NAME = 'obligations_organisation_update'
_BUMP = (
    'UPDATE obligationstate SET changes = changes + 1 WHERE staff_id IN '
    '(SELECT * FROM (SELECT id FROM staff WHERE organisation_id = NEW.id) AS affected)'
)


def _trigger(columns: str) -> None:
    # The same trigger storage.obligation_triggers installs, written out: a migration keeps the
    # shape it had when written, whatever the module says later.
    when = f'AFTER UPDATE OF {columns} ON "organisation"'
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS {_NAME} ON "organisation"')
        op.execute(
            f'CREATE OR REPLACE FUNCTION {_NAME}() RETURNS trigger LANGUAGE plpgsql AS '
            f'$$ BEGIN {_BUMP}; RETURN NULL; END $$'
        )
        op.execute(f'CREATE TRIGGER {_NAME} {when} FOR EACH ROW EXECUTE FUNCTION {_NAME}()')
    else:
        op.execute(f'DROP TRIGGER IF EXISTS {_NAME}')
        op.execute(f'CREATE TRIGGER {_NAME} {when} BEGIN {_BUMP}; END')


def upgrade() -> None:
    # Added in place (a batch copy of `organisation` on SQLite would drop its trigger).
    op.add_column('organisation', sa.Column('go_live', sa.Date(), nullable=True))
    _trigger('pack_id, go_live')
    # Issue 23 item 6: a team's standing online meeting, carried by virtual invitations.
    op.add_column('team', sa.Column('meeting_link', sa.String(length=1000), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE "team" DROP COLUMN meeting_link')
    else:
        op.drop_column('team', 'meeting_link')
    _trigger('pack_id')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE "organisation" DROP COLUMN go_live')
    else:
        op.drop_column('organisation', 'go_live')
