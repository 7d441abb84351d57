"""Lambeth: who agreed a case supervision extension, and "I will know this works when" for actions
(issue 25 item 1)

LAM 004:260: extensions to the matched, stable CLA frequency "can be agreed with Service Manager":
the case keeps who agreed it beside the date. LAM 004:547,606: each action's table row has "I will
know this works when?": a record action keeps it (encrypted, as the description is).

Revision ID: 3f0c7a1e5b28
Revises: 3f0c7a1e5b27
Create Date: 2026-12-07 18:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.crypto import EncryptedText

revision: str = '3f0c7a1e5b28'
down_revision: str | None = '3f0c7a1e5b27'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place on SQLite too: a batch copy of a table would drop its obligation triggers.
    op.add_column('case', sa.Column('case_supervision_extension_by', sa.Integer(), nullable=True))
    op.add_column('recordaction', sa.Column('success', EncryptedText(), nullable=True))


def _drop(table: str, column: str) -> None:
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE "{table}" DROP COLUMN {column}')  # SQLite 3.35+, in place
    else:
        op.drop_column(table, column)


def downgrade() -> None:
    _drop('recordaction', 'success')
    _drop('case', 'case_supervision_extension_by')
