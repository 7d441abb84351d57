"""one write per confirmation: unique domain writes

Revision ID: 3f0c7a1e5b21
Revises: be552cab406a
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

revision: str = '3f0c7a1e5b21'
down_revision: str | None = 'be552cab406a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
