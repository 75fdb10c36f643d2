"""A document arriving by the axis keeps a type name the Decree does not list: document_type widens.

Revision ID: 0016
Revises: 0015
"""

from alembic import op
import sqlalchemy as sa


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.alter_column(
            "document_type",
            existing_type=sa.String(length=10),
            type_=sa.String(length=100),
            existing_nullable=False,
        )


def downgrade():
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.alter_column(
            "document_type",
            existing_type=sa.String(length=100),
            type_=sa.String(length=10),
            existing_nullable=False,
        )
