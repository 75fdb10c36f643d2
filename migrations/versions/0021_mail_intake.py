"""Scans and the agency's mailbox: a searchable PDF made by OCR names the scan it came from
(document_files.derived_from_id), and a file queued only for its OCR says its text layer is indexed
already (document_text_extractions.text_indexed). Each agency's IMAP mailbox (agency_mailboxes) and the
messages taken from it, once each (mail_receipts); an e-mail's sender has no agency identifier
(documents.issuer_id nullable).

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('agency_mailboxes',
    sa.Column('agency_id', sa.String(length=13), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('security', sa.String(length=8), nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('password_encrypted', sa.LargeBinary(), nullable=False),
    sa.Column('folder', sa.String(length=255), nullable=False),
    sa.Column('processed_folder', sa.String(length=255), nullable=False),
    sa.Column('refused_folder', sa.String(length=255), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_agency_mailboxes_agency_id_agencies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_agency_mailboxes'))
    )
    op.create_table('mail_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.String(length=13), nullable=False),
    sa.Column('message_key', sa.String(length=255), nullable=False),
    sa.Column('uid_validity', sa.BigInteger(), nullable=False),
    sa.Column('uid', sa.BigInteger(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('sender', sa.String(length=500), nullable=True),
    sa.Column('subject', sa.String(length=500), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('is_moved', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_mail_receipts_agency_id_agencies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_mail_receipts_document_id_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_receipts')),
    sa.UniqueConstraint('agency_id', 'message_key', name=op.f('uq_mail_receipts_agency_id'))
    )
    with op.batch_alter_table('mail_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_receipts_agency_id'), ['agency_id'], unique=False)
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('issuer_id', existing_type=sa.String(length=13), nullable=True)
    with op.batch_alter_table('document_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('derived_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_document_files_derived_from_id_document_files'),
            'document_files', ['derived_from_id'], ['id'], ondelete='SET NULL',
        )
    with op.batch_alter_table('document_text_extractions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('text_indexed', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.alter_column('issuer_id', existing_type=sa.String(length=13), nullable=False)
    with op.batch_alter_table('mail_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_receipts_agency_id'))
    op.drop_table('mail_receipts')
    op.drop_table('agency_mailboxes')
    with op.batch_alter_table('document_text_extractions', schema=None) as batch_op:
        batch_op.drop_column('text_indexed')
    with op.batch_alter_table('document_files', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_document_files_derived_from_id_document_files'), type_='foreignkey')
        batch_op.drop_column('derived_from_id')
