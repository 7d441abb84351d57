"""session's Outlook event (issue 23 item 6)

Where a council sends invitations into Outlook through Microsoft Graph, the event's id, so that
moving or cancelling the session updates or cancels the same event. A nullable column added in
place (a batch copy of `supervisionsession` on SQLite would drop its triggers).

Revision ID: 9d2b6e4c1a35
Revises: 5c3e9a1d7f24
Create Date: 2026-12-07 22:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '9d2b6e4c1a35'
down_revision: str | None = '5c3e9a1d7f24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'supervisionsession',
        sa.Column('outlook_event_id', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    )


def downgrade() -> None:
    op.drop_column('supervisionsession', 'outlook_event_id')
