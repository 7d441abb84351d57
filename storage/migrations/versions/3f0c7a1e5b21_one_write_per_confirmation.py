"""one write per confirmation: unique domain writes

A UniqueWrite key is claimed in the transaction of each write a person confirms (one decision,
absence, booking or record per conversation step), of each signature (one per record and party)
and of each session marked held, so the database refuses a second copy. One record per session
was already held by uq_supervisionrecord_session_id.

Revision ID: 3f0c7a1e5b21
Revises: be552cab406a
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types


revision: str = '3f0c7a1e5b21'
down_revision: str | None = 'be552cab406a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('uniquewrite',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('written_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_uniquewrite'))
    )
    with op.batch_alter_table('uniquewrite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_uniquewrite_written_at'), ['written_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('uniquewrite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_uniquewrite_written_at'))

    op.drop_table('uniquewrite')
