"""absence note holds its sealed text on PostgreSQL

The note became encrypted (5188e6c90297) but its column stayed VARCHAR(500): sealed, a note of
more than about 300 characters no longer fitted, and PostgreSQL refused the write. SQLite does not
enforce lengths, so only PostgreSQL changes.

Revision ID: 3f0c7a1e5b24
Revises: 3f0c7a1e5b23
Create Date: 2026-12-07 06:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.migrate import MigrationRefused

revision: str = "3f0c7a1e5b24"
down_revision: str | None = "3f0c7a1e5b23"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("absence", "note", type_=sa.String(), existing_nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    longest = bind.execute(sa.text("SELECT MAX(LENGTH(note)) FROM absence")).scalar() or 0
    if longest > 500:
        raise MigrationRefused(
            f"revision {revision}: absence.note holds sealed notes of up to {longest} characters, "
            "more than VARCHAR(500) takes. Shorten or export those notes first, or restore the "
            "backup taken before upgrading. Nothing was changed."
        )
    op.alter_column("absence", "note", type_=sa.String(length=500), existing_nullable=False)
