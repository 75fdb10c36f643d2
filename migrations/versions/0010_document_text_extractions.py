"""The queue of PDFs whose text is extracted in the background, after the upload is answered.

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_text_extractions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('stored_file_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_text_extractions_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stored_file_id'], ['stored_files.id'], name=op.f('fk_document_text_extractions_stored_file_id_stored_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_text_extractions'))
    )
    with op.batch_alter_table('document_text_extractions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_text_extractions_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_text_extractions_stored_file_id'), ['stored_file_id'], unique=False)


def downgrade():
    with op.batch_alter_table('document_text_extractions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_text_extractions_stored_file_id'))
        batch_op.drop_index(batch_op.f('ix_document_text_extractions_document_id'))
    op.drop_table('document_text_extractions')
