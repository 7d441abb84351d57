"""record kinds: one record per session and kind, not per session (issue 20 item 14)

LAM 004:350,356: a session's case record (Mosaic) and its professional supervision minutes
(SharePoint or Oracle) each have their own deadline. The one-record-per-session constraint
becomes one per (session, kind); existing records take the default kind `record`.

SQLite cannot drop a table constraint, so there the table is rebuilt, and a rebuilt table has
lost its triggers: the obligation triggers on `supervisionrecord` are installed again, in the
same transaction. The obligation's `record_kind` says which record a due item is about, so two
records of one session due on one day get a reminder each.

Revision ID: 3f0c7a1e5b27
Revises: 3f0c7a1e5b26
Create Date: 2026-12-07 16:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrate import MigrationRefused
from storage.obligation_triggers import create_statements

revision: str = '3f0c7a1e5b27'
down_revision: str | None = '3f0c7a1e5b26'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLE = 'supervisionrecord'


def _reinstall_triggers() -> None:
    # Only this table's: the batch copy dropped them; every other table kept its own.
    for statement in create_statements('sqlite', table=_TABLE):
        op.execute(statement)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table(_TABLE, schema=None, recreate='always' if sqlite else 'auto') as batch_op:
        batch_op.add_column(
            sa.Column('kind', sa.String(length=40), server_default='record', nullable=False)
        )
        batch_op.drop_constraint('uq_supervisionrecord_session_id', type_='unique')
        batch_op.create_unique_constraint(
            'uq_supervisionrecord_session_kind', ['session_id', 'kind']
        )
    if sqlite:
        _reinstall_triggers()
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('record_kind', sa.String(length=40), nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    doubled = bind.execute(
        sa.text(
            'SELECT session_id, COUNT(*) FROM supervisionrecord GROUP BY session_id '
            'HAVING COUNT(*) > 1 ORDER BY session_id'
        )
    ).all()
    if doubled:
        sessions = ', '.join(str(row[0]) for row in doubled[:10])
        raise MigrationRefused(
            f'revision {revision}: {len(doubled)} sessions have more than one record (sessions '
            f'{sessions}); one record per session cannot hold them. Export those records and '
            'delete all but one of each session, or restore the backup taken before upgrading. '
            'Nothing was changed.'
        )
    sqlite = bind.dialect.name == 'sqlite'
    with op.batch_alter_table('obligation', schema=None) as batch_op:
        batch_op.drop_column('record_kind')
    with op.batch_alter_table(_TABLE, schema=None, recreate='always' if sqlite else 'auto') as batch_op:
        batch_op.drop_constraint('uq_supervisionrecord_session_kind', type_='unique')
        batch_op.create_unique_constraint('uq_supervisionrecord_session_id', ['session_id'])
        batch_op.drop_column('kind')
    if sqlite:
        _reinstall_triggers()
