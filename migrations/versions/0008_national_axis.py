"""National axis: the outbox of packages and status notices, receipts of what arrived, and each
external recipient's latest status.

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('axis_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=64), nullable=False),
    sa.Column('agency_id', sa.String(length=13), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('from_organ_id', sa.String(length=13), nullable=True),
    sa.Column('edxml_document_id', sa.String(length=200), nullable=True),
    sa.Column('status_code', sa.String(length=2), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_axis_receipts_document_id_documents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_axis_receipts')),
    sa.UniqueConstraint('message_id', 'agency_id', name=op.f('uq_axis_receipts_message_id'))
    )
    with op.batch_alter_table('axis_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_axis_receipts_document_id'), ['document_id'], unique=False)

    op.create_table('axis_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('agency_id', sa.String(length=13), nullable=False),
    sa.Column('to_organ_id', sa.String(length=13), nullable=False),
    sa.Column('thread', sa.String(length=250), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('edxml_document_id', sa.String(length=200), nullable=True),
    sa.Column('original_sender_id', sa.String(length=13), nullable=True),
    sa.Column('reference_code', sa.String(length=60), nullable=True),
    sa.Column('promulgation_date', sa.Date(), nullable=True),
    sa.Column('status_code', sa.String(length=2), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('staff_name', sa.String(length=200), nullable=True),
    sa.Column('staff_department', sa.String(length=200), nullable=True),
    sa.Column('event_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_token', sa.String(length=32), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('axis_message_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_axis_sends_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_id'], ['document_recipients.id'], name=op.f('fk_axis_sends_recipient_id_document_recipients'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_axis_sends'))
    )
    with op.batch_alter_table('axis_sends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_axis_sends_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_axis_sends_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_axis_sends_edxml_document_id'), ['edxml_document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_axis_sends_next_attempt_at'), ['next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_axis_sends_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_axis_sends_status'), ['status'], unique=False)
        batch_op.create_index('ix_axis_sends_thread_id', ['thread', 'id'], unique=False)

    with op.batch_alter_table('document_recipients', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_code', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('status_description', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('status_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('document_recipients', schema=None) as batch_op:
        batch_op.drop_column('status_at')
        batch_op.drop_column('status_description')
        batch_op.drop_column('status_code')

    with op.batch_alter_table('axis_sends', schema=None) as batch_op:
        batch_op.drop_index('ix_axis_sends_thread_id')
        batch_op.drop_index(batch_op.f('ix_axis_sends_status'))
        batch_op.drop_index(batch_op.f('ix_axis_sends_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_axis_sends_next_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_axis_sends_edxml_document_id'))
        batch_op.drop_index(batch_op.f('ix_axis_sends_document_id'))
        batch_op.drop_index(batch_op.f('ix_axis_sends_agency_id'))

    op.drop_table('axis_sends')
    with op.batch_alter_table('axis_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_axis_receipts_document_id'))

    op.drop_table('axis_receipts')
