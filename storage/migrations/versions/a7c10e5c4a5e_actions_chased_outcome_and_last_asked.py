"""actions chased: how an action was closed, and when its owner was last asked (issue 27)

An action from a signed record is asked about before it is due and again at the pack's
interval until its owner answers Done or No longer needed (`closed_as`, with `done_at` the
moment); Not yet, and each reminder, set `asked_on`. Both columns are new and empty, so
nothing existing changes meaning.

Revision ID: a7c10e5c4a5e
Revises: 3f0c7a1e5b29
Create Date: 2026-12-07 18:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a7c10e5c4a5e'
down_revision: str | None = '3f0c7a1e5b29'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('recordaction', sa.Column('closed_as', sa.String(length=12), nullable=True))
    op.add_column('recordaction', sa.Column('asked_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('recordaction', schema=None) as batch_op:
        batch_op.drop_column('asked_on')
        batch_op.drop_column('closed_as')
