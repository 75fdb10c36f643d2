"""Indexes on documents.reply_document_id and documents.replaces_id.

Both point at other documents with ON DELETE SET NULL: without an index, deleting one document
scans every document for references to it (a million rows at provincial scale), and finding the
reply to, or the replacement of, a document does the same.

Revision ID: 0009
Revises: 0008
"""
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_documents_reply_document_id'), ['reply_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_replaces_id'), ['replaces_id'], unique=False)


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_documents_replaces_id'))
        batch_op.drop_index(batch_op.f('ix_documents_reply_document_id'))
