"""encrypt Slack tokens and pending forms at rest

Revision ID: 285e33ad964c
Revises: 5188e6c90297
Create Date: 2026-11-23 19:31:25.724791
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.crypto
import storage.crypto
import storage.migrate
import storage.types

revision: str = '285e33ad964c'
down_revision: str | None = '5188e6c90297'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Slack bot tokens and half-filled forms become encrypted text, like record content
# (storage/crypto.py). Rows written before stay readable as plain JSON text.
ENCRYPTED = (("slack_installation", "data"), ("slack_pending_form", "form"))


def upgrade() -> None:
    for table, column in ENCRYPTED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=sa.JSON(),
                type_=storage.crypto.EncryptedJSON(),
                existing_nullable=False,
                postgresql_using=f"{column}::text",
            )


def downgrade() -> None:
    # The revision before this one reads these as plain JSON: decrypt with the record key first.
    storage.migrate.unseal_columns(op.get_bind(), revision, ENCRYPTED)
    for table, column in reversed(ENCRYPTED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=storage.crypto.EncryptedJSON(),
                type_=sa.JSON(),
                existing_nullable=False,
                postgresql_using=f"{column}::json",
            )
