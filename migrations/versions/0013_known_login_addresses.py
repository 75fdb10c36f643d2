"""known_login_addresses: where each account logged in from, so that failures elsewhere do not slow it there.

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('known_login_addresses',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('address', sa.String(length=45), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username', 'address', name=op.f('pk_known_login_addresses'))
    )


def downgrade():
    op.drop_table('known_login_addresses')
