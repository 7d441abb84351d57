"""encrypt record text at rest; snoozed reminders

Revision ID: 5188e6c90297
Revises: 8fa6879cd7b8
Create Date: 2026-11-23 19:07:34.994962
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.crypto
import storage.migrate
import storage.types

revision: str = '5188e6c90297'
down_revision: str | None = '8fa6879cd7b8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Record text moves from JSON columns to encrypted text ("enc:v1:<Fernet token>"). Rows written
# before keep their plain JSON text, which storage.crypto still reads; they are encrypted the next
# time they are saved.
ENCRYPTED = (
    ("dialogstate", "data"),
    ("outboxmessage", "payload"),
    ("recordcasediscussion", "headings"),
    ("supervisionrecord", "sections"),
)
# Text columns whose type stayed a string: only their values became encrypted.
ENCRYPTED_TEXT = (
    ("absence", "note"),
    ("informalsupervision", "decided"),
    ("informalsupervision", "discussed"),
    ("managerdecision", "decision"),
    ("managerdecision", "rationale"),
    ("overcapapproval", "reason"),
    ("recordaction", "description"),
    ("recorddecision", "decision"),
    ("recorddecision", "rationale"),
    ("supervisionrecord", "changes_requested"),
    ("supervisionsession", "cancel_note"),
)


def upgrade() -> None:
    op.create_table('snooze',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_snooze_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_snooze')),
    sa.UniqueConstraint('staff_id', 'kind', name='uq_snooze_staff_kind')
    )
    with op.batch_alter_table('snooze', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_snooze_staff_id'), ['staff_id'], unique=False)
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
    # The revision before this one reads plain text: decrypt with the configured record key
    # first (refused, with what to do, when the key cannot open a value).
    storage.migrate.unseal_columns(op.get_bind(), revision, ENCRYPTED + ENCRYPTED_TEXT)
    for table, column in reversed(ENCRYPTED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                column,
                existing_type=storage.crypto.EncryptedJSON(),
                type_=sa.JSON(),
                existing_nullable=False,
                postgresql_using=f"{column}::json",
            )
    with op.batch_alter_table('snooze', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_snooze_staff_id'))
    op.drop_table('snooze')
