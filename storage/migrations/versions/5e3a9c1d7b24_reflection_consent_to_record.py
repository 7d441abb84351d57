"""reflection consent to the record (issue 27 item 4)

Whether the supervisee agreed that their reflection before supervision may be copied into the
session's record, and when. Two columns on sessionreflection: false, and no date, for every
existing answer (never asked, so no).

Revision ID: 5e3a9c1d7b24
Revises: 3d13f0fa1834
Create Date: 2026-12-07 21:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '5e3a9c1d7b24'
down_revision: str | None = '3d13f0fa1834'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('sessionreflection', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('to_record', sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column('to_record_at', storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table('sessionreflection', schema=None) as batch_op:
        batch_op.drop_column('to_record_at')
        batch_op.drop_column('to_record')
