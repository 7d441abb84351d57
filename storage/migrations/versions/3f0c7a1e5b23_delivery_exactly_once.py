"""delivery: what a recovered send checks before sending again

Revision ID: 3f0c7a1e5b23
Revises: 3f0c7a1e5b22
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '3f0c7a1e5b23'
down_revision: str | None = '3f0c7a1e5b22'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no default: rows already sent or pending have no attempt under way.
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('send_started_at', storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    # Loses only the marks of attempts under way: those rows are then sent again unchecked.
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_column('send_started_at')
