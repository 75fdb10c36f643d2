"""What the validation of each stored PDF's signatures found (queued until the worker checked it).

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signature_checks',
    sa.Column('stored_file_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signatures', sa.JSON(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['stored_file_id'], ['stored_files.id'], name=op.f('fk_signature_checks_stored_file_id_stored_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('stored_file_id', name=op.f('pk_signature_checks'))
    )
    with op.batch_alter_table('signature_checks', schema=None) as batch_op:
        batch_op.create_index('ix_signature_checks_queued', ['checked_at', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('signature_checks', schema=None) as batch_op:
        batch_op.drop_index('ix_signature_checks_queued')
    op.drop_table('signature_checks')
