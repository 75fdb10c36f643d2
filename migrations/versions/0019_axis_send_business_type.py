"""What a package does to the document it is about (Bussiness › BussinessDocType: 0 new, 1 revocation,
2 update, 3 replacement), so that the delivery worker builds the package the step asked for.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('axis_sends', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_type', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('axis_sends', schema=None) as batch_op:
        batch_op.drop_column('business_type')
