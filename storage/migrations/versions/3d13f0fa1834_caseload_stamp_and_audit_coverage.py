"""a caseload stamp on each person and the people an audit event covers (issue 24)

`staff.caseload_version` is bumped by triggers (storage.caseload_triggers) whenever an
allocation, a case, an over-cap approval or a personal element of the person's changes, so a
score kept between answers is known good by reading the person's own row. `auditcovered` lists
the people one audit event covers (a team view is one event for its request), so a subject
access request still finds every time someone viewed the person's caseload.

Revision ID: 3d13f0fa1834
Revises: 5c47d1e0a3b9
Create Date: 2026-12-07 21:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.caseload_triggers import create_statements, drop_statements

revision: str = '3d13f0fa1834'
down_revision: str | None = '5c47d1e0a3b9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Added in place (a batch copy of `staff` on SQLite would drop its obligation triggers).
    op.add_column(
        'staff',
        sa.Column('caseload_version', sa.Integer(), server_default='0', nullable=False),
    )
    for statement in create_statements(op.get_bind().dialect.name):
        op.execute(statement)
    op.create_table(
        'auditcovered',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['event_id'], ['auditevent.id'], name=op.f('fk_auditcovered_event_id_auditevent')
        ),
        sa.PrimaryKeyConstraint('event_id', 'staff_id', name=op.f('pk_auditcovered')),
    )
    with op.batch_alter_table('auditcovered', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_auditcovered_staff_id'), ['staff_id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('auditcovered', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_auditcovered_staff_id'))
    op.drop_table('auditcovered')
    dialect = op.get_bind().dialect.name
    for statement in drop_statements(dialect):
        op.execute(statement)
    if dialect == 'sqlite':
        op.execute('ALTER TABLE "staff" DROP COLUMN caseload_version')
    else:
        op.drop_column('staff', 'caseload_version')
