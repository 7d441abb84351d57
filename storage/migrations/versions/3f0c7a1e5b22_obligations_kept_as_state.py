"""obligations kept as state, marked stale when their facts change

Revision ID: 3f0c7a1e5b22
Revises: 3f0c7a1e5b21
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

revision: str = '3f0c7a1e5b22'
down_revision: str | None = '3f0c7a1e5b21'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
