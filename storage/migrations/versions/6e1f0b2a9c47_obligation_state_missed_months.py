"""obligation state keeps the months missed (issue 24 item 1)

"What's due" reads a person's kept obligations instead of recomputing them from history; the
months that closed without supervision (DCC 000:174-176) are kept beside them, as JSON on the
person's state row. A nullable column, in place (a batch copy of a table would drop triggers;
obligationstate has none of its own). Every state is marked for recomputing (the fingerprint
emptied), so the scheduler's next pass fills the column in; until then the chat recomputes.

Revision ID: 6e1f0b2a9c47
Revises: e3f71c08b2d6
Create Date: 2026-12-08 00:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '6e1f0b2a9c47'
down_revision: str | None = 'e3f71c08b2d6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('obligationstate', sa.Column('missed', sa.Text(), nullable=True))
    op.execute("UPDATE obligationstate SET pack_fingerprint = ''")


def downgrade() -> None:
    op.drop_column('obligationstate', 'missed')
