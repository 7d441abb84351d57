"""staff's Teams client language (issue 28 item 1)

The language of the Teams client a person last wrote from ("cy" where it is in Welsh), so that a
notice or a reminder to someone who never chose a language follows their client, as their
conversations do. Their own choice (`language`) still comes first. A nullable column added in
place (a batch copy of `staff` would drop its obligation triggers).

Revision ID: e3f71c08b2d6
Revises: 9d2b6e4c1a35
Create Date: 2026-12-08 00:32:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'e3f71c08b2d6'
down_revision: str | None = '9d2b6e4c1a35'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'staff',
        sa.Column('client_language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True),
    )


def downgrade() -> None:
    op.drop_column('staff', 'client_language')
