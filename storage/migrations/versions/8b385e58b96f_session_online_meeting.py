"""session online meeting (issue 23 item 6)

The Teams online meeting made through Microsoft Graph for a virtual session: its Graph id (to
move or cancel it with the session) and its join link. Two nullable columns; existing sessions
have none.

Revision ID: 8b385e58b96f
Revises: 7e3a91c4d2f6
Create Date: 2026-12-07 21:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '8b385e58b96f'
down_revision: str | None = '7e3a91c4d2f6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added in place: a batch copy of `supervisionsession` on SQLite would break the obligation
    # triggers that read it (storage.obligation_triggers).
    op.add_column('supervisionsession', sa.Column('online_meeting_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    op.add_column('supervisionsession', sa.Column('online_meeting_url', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))


def downgrade() -> None:
    for column in ('online_meeting_url', 'online_meeting_id'):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE "supervisionsession" DROP COLUMN {column}')
        else:
            op.drop_column('supervisionsession', column)
