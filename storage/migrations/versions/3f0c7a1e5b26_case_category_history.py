"""case category history: the day a case took its category, and each change (issue 20 item 11)

Revision ID: 3f0c7a1e5b26
Revises: 3f0c7a1e5b25
Create Date: 2026-12-07 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '3f0c7a1e5b26'
down_revision: str | None = '3f0c7a1e5b25'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: a case with no change recorded has had its category since it opened. Added in
    # place on SQLite too (a batch copy of `case` would drop its obligation triggers).
    op.add_column('case', sa.Column('category_since', sa.Date(), nullable=True))
    op.create_table(
        'casecategorychange',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('previous', sa.String(length=20), nullable=False),
        sa.Column('category', sa.String(length=20), nullable=False),
        sa.Column('since', sa.Date(), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('recorded_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'since', 'category', name='uq_categorychange_case_day'),
    )
    with op.batch_alter_table('casecategorychange', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_casecategorychange_case_id'), ['case_id'], unique=False
        )


def downgrade() -> None:
    # The history goes with its table; the cases' clocks then run from their last discussion.
    with op.batch_alter_table('casecategorychange', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_casecategorychange_case_id'))
    op.drop_table('casecategorychange')
    if op.get_bind().dialect.name == 'sqlite':
        # In place (SQLite 3.35+): a batch copy of `case` would drop its obligation triggers.
        op.execute('ALTER TABLE "case" DROP COLUMN category_since')
    else:
        op.drop_column('case', 'category_since')
