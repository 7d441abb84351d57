"""obligations kept as state, marked stale when their facts change

Revision ID: 3f0c7a1e5b22
Revises: 3f0c7a1e5b21
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from storage.obligation_triggers import create_statements, drop_statements

revision: str = '3f0c7a1e5b22'
down_revision: str | None = '3f0c7a1e5b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'obligationstate',
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('changes', sa.Integer(), nullable=False),
        sa.Column('computed', sa.Integer(), nullable=False),
        sa.Column('computed_on', sa.Date(), nullable=True),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('pack_fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('staff_id'),
    )
    op.create_index(op.f('ix_obligationstate_organisation_id'), 'obligationstate', ['organisation_id'], unique=False)
    op.create_index(op.f('ix_obligationstate_valid_until'), 'obligationstate', ['valid_until'], unique=False)
    op.create_table(
        'obligation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('case_reference', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('due', sa.Date(), nullable=True),
        sa.Column('next_plan', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_obligation_staff_id'), 'obligation', ['staff_id'], unique=False)
    op.create_index(op.f('ix_obligation_next_plan'), 'obligation', ['next_plan'], unique=False)
    op.create_index('ix_obligation_org_team', 'obligation', ['organisation_id', 'team_id'], unique=False)
    # Everyone already here starts stale: the scheduler computes them on its first tick.
    op.execute(
        "INSERT INTO obligationstate (staff_id, organisation_id, changes, computed, pack_fingerprint) "
        "SELECT id, organisation_id, 1, 0, '' FROM staff"
    )
    dialect = op.get_bind().dialect.name
    for statement in create_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in drop_statements(dialect):
        op.execute(statement)
    op.drop_index('ix_obligation_org_team', table_name='obligation')
    op.drop_index(op.f('ix_obligation_next_plan'), table_name='obligation')
    op.drop_index(op.f('ix_obligation_staff_id'), table_name='obligation')
    op.drop_table('obligation')
    op.drop_index(op.f('ix_obligationstate_valid_until'), table_name='obligationstate')
    op.drop_index(op.f('ix_obligationstate_organisation_id'), table_name='obligationstate')
    op.drop_table('obligationstate')
