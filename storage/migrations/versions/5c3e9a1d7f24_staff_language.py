"""staff language (issue 28)

The language a person chose to be written to ("cy" Welsh, "en" English); empty for everyone
until they choose, when their Teams locale or their council's default applies. A nullable
column: nothing existing changes.

Revision ID: 5c3e9a1d7f24
Revises: 8b385e58b96f
Create Date: 2026-12-07 21:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '5c3e9a1d7f24'
down_revision: str | None = '8b385e58b96f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place on SQLite too (3.35+): a batch copy of `staff` would drop its obligation triggers.
    op.add_column('staff', sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True))


def downgrade() -> None:
    op.drop_column('staff', 'language')
