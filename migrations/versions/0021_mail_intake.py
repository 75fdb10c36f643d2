"""Scans and the agency's mailbox: a searchable PDF made by OCR names the scan it came from
(document_files.derived_from_id), and a file queued only for its OCR says its text layer is indexed
already (document_text_extractions.text_indexed).

Revision ID: 0021
Revises: 0019 (0020_records when it lands on main)
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('derived_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_document_files_derived_from_id_document_files'),
            'document_files', ['derived_from_id'], ['id'], ondelete='SET NULL',
        )
    with op.batch_alter_table('document_text_extractions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_indexed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('document_text_extractions', schema=None) as batch_op:
        batch_op.drop_column('text_indexed')
    with op.batch_alter_table('document_files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_document_files_derived_from_id_document_files'), type_='foreignkey')
        batch_op.drop_column('derived_from_id')
