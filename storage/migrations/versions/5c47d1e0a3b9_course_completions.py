"""course completions (issue 25: the Section 47 course, CAP003 003:30)

Which pack course each staff member has completed and on what day, from the staff import's
course_<id> columns or a manager in chat. A new table: nothing existing changes.

Revision ID: 5c47d1e0a3b9
Revises: 62e259d65208
Create Date: 2026-12-07 21:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '5c47d1e0a3b9'
down_revision: str | None = '62e259d65208'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('coursecompletion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('course', sa.String(length=60), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_coursecompletion_staff_id_staff')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff.id'], name=op.f('fk_coursecompletion_recorded_by_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coursecompletion')),
    sa.UniqueConstraint('staff_id', 'course', name='uq_coursecompletion_staff_course')
    )
    with op.batch_alter_table('coursecompletion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coursecompletion_staff_id'), ['staff_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('coursecompletion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coursecompletion_staff_id'))

    op.drop_table('coursecompletion')
