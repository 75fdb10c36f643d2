"""A clerk's refusal of an e-mailed document moves its message to the refused folder: where the message
went (mail_receipts.moved_uid_validity, moved_uid), why it could not be moved (move_error) and when it was
refused (refused_at). Agencies have an official e-mail address (agencies.email, directory_agencies.email):
mail from it is known to come from that agency.

Revision ID: 0023
Revises: 0022
"""

from alembic import op
import sqlalchemy as sa


revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mail_receipts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moved_uid_validity", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("moved_uid", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("move_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))
    for table in ("agencies", "directory_agencies"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
            batch_op.create_index(batch_op.f(f"ix_{table}_email"), ["email"], unique=False)


def downgrade():
    for table in ("directory_agencies", "agencies"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_email"))
            batch_op.drop_column("email")
    with op.batch_alter_table("mail_receipts", schema=None) as batch_op:
        batch_op.drop_column("refused_at")
        batch_op.drop_column("move_error")
        batch_op.drop_column("moved_uid")
        batch_op.drop_column("moved_uid_validity")
