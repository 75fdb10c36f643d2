"""The agencies connected to the national axis, kept from its list for the issuer and recipient pickers.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('directory_agencies',
    sa.Column('id', sa.String(length=13), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.String(length=13), nullable=True),
    sa.Column('search_name', sa.String(length=200), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_agencies'))
    )
    with op.batch_alter_table('directory_agencies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_directory_agencies_search_name'), ['search_name'], unique=False)


def downgrade():
    with op.batch_alter_table('directory_agencies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_directory_agencies_search_name'))
    op.drop_table('directory_agencies')
