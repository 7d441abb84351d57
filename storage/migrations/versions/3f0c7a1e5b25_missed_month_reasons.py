"""missedmonth: the reason and follow-up action of a month without supervision (DCC 000:176)

Revision ID: 3f0c7a1e5b25
Revises: 3f0c7a1e5b24
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.crypto
import storage.types

revision: str = '3f0c7a1e5b25'
down_revision: str | None = '3f0c7a1e5b24'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'missedmonth',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('note', storage.crypto.EncryptedText(), nullable=False),
        sa.Column('follow_up', storage.crypto.EncryptedText(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('recorded_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id']),
        sa.ForeignKeyConstraint(['session_id'], ['supervisionsession.id']),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('staff_id', 'month', name='uq_missedmonth_staff_month'),
    )
    with op.batch_alter_table('missedmonth', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_missedmonth_staff_id'), ['staff_id'], unique=False)


def downgrade() -> None:
    # Drops the recorded reasons with the table: export or back up first.
    with op.batch_alter_table('missedmonth', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_missedmonth_staff_id'))
    op.drop_table('missedmonth')
