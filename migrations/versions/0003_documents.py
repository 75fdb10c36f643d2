"""Official documents: documents, files, assignments, participants, reviews, recipients, trace, number counters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 17:45:03.896254

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_settings',
    sa.Column('agency_id', sa.String(length=13), nullable=False),
    sa.Column('review_levels', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_document_settings_agency_id_agencies')),
    sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_document_settings'))
    )
    op.create_table('number_counters',
    sa.Column('agency_id', sa.String(length=13), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_number_counters_agency_id_agencies')),
    sa.PrimaryKeyConstraint('agency_id', 'year', 'series', name=op.f('pk_number_counters'))
    )
    op.create_table('documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.String(length=13), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('source_reference', sa.String(length=200), nullable=True),
    sa.Column('issuer_id', sa.String(length=13), nullable=False),
    sa.Column('issuer_name', sa.String(length=200), nullable=False),
    sa.Column('document_type', sa.String(length=10), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('notation', sa.String(length=30), nullable=True),
    sa.Column('issued_date', sa.Date(), nullable=True),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('signer_name', sa.String(length=200), nullable=True),
    sa.Column('signer_position', sa.String(length=200), nullable=True),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('confidentiality', sa.String(length=16), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('language', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('arrival_number', sa.Integer(), nullable=True),
    sa.Column('arrival_year', sa.Integer(), nullable=True),
    sa.Column('arrival_date', sa.Date(), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('refusal_reason', sa.Text(), nullable=True),
    sa.Column('directing_leader_id', sa.Integer(), nullable=True),
    sa.Column('result_note', sa.Text(), nullable=True),
    sa.Column('reply_document_id', sa.Integer(), nullable=True),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('drafting_unit_id', sa.Integer(), nullable=True),
    sa.Column('is_legal_normative', sa.Boolean(), nullable=False),
    sa.Column('series', sa.String(length=20), nullable=True),
    sa.Column('number_year', sa.Integer(), nullable=True),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('review_level', sa.Integer(), nullable=True),
    sa.Column('current_reviewer_id', sa.Integer(), nullable=True),
    sa.Column('signer_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('replaces_id', sa.Integer(), nullable=True),
    sa.Column('recalled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('recall_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agencies.id'], name=op.f('fk_documents_agency_id_agencies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_documents_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['current_reviewer_id'], ['users.id'], name=op.f('fk_documents_current_reviewer_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['directing_leader_id'], ['users.id'], name=op.f('fk_documents_directing_leader_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['drafting_unit_id'], ['units.id'], name=op.f('fk_documents_drafting_unit_id_units')),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_documents_issued_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_documents_registered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['replaces_id'], ['documents.id'], name=op.f('fk_documents_replaces_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reply_document_id'], ['documents.id'], name=op.f('fk_documents_reply_document_id_documents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['signer_id'], ['users.id'], name=op.f('fk_documents_signer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    sa.UniqueConstraint('agency_id', 'arrival_year', 'arrival_number', name='uq_documents_arrival_number'),
    sa.UniqueConstraint('agency_id', 'number_year', 'series', 'number', name='uq_documents_outgoing_number'),
    sa.UniqueConstraint('agency_id', 'source_reference', name='uq_documents_source_reference')
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_agency_direction_status', ['agency_id', 'direction', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_current_reviewer_id'), ['current_reviewer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_documents_directing_leader_id'), ['directing_leader_id'], unique=False)
        batch_op.create_index('ix_documents_issuer_number', ['issuer_id', 'number'], unique=False)

    op.create_table('document_assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('direction_text', sa.Text(), nullable=True),
    sa.Column('deadline', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('superseded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('superseded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['users.id'], name=op.f('fk_document_assignments_assigned_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_assignments_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['superseded_by_id'], ['document_assignments.id'], name=op.f('fk_document_assignments_superseded_by_id_document_assignments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_assignments'))
    )
    with op.batch_alter_table('document_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_assignments_document_id'), ['document_id'], unique=False)

    op.create_table('document_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('stored_file_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_files_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['stored_file_id'], ['stored_files.id'], name=op.f('fk_document_files_stored_file_id_stored_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_files')),
    sa.UniqueConstraint('document_id', 'stored_file_id', name=op.f('uq_document_files_document_id'))
    )
    with op.batch_alter_table('document_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_files_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_files_stored_file_id'), ['stored_file_id'], unique=False)

    op.create_table('document_participants',
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('named_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_participants_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_document_participants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('document_id', 'user_id', name=op.f('pk_document_participants'))
    )
    with op.batch_alter_table('document_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_participants_user_id'), ['user_id'], unique=False)

    op.create_table('document_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.String(length=13), nullable=True),
    sa.Column('agency_name', sa.String(length=200), nullable=True),
    sa.Column('delivery_status', sa.String(length=12), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_recipients_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_document_recipients_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_document_recipients_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_recipients'))
    )
    with op.batch_alter_table('document_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_recipients_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_recipients_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_recipients_user_id'), ['user_id'], unique=False)

    op.create_table('document_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('decision', sa.String(length=12), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_reviews_document_id_documents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_document_reviews_reviewer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_reviews')),
    sa.UniqueConstraint('document_id', 'round', 'level', name=op.f('uq_document_reviews_document_id'))
    )
    with op.batch_alter_table('document_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_reviews_document_id'), ['document_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_reviews_reviewer_id'), ['reviewer_id'], unique=False)

    op.create_table('document_trace',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=200), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_document_trace_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_document_trace_document_id_documents'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_trace'))
    )
    with op.batch_alter_table('document_trace', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_trace_document_id'), ['document_id'], unique=False)

    op.create_table('document_assignment_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assignment_id'], ['document_assignments.id'], name=op.f('fk_document_assignment_members_assignment_id_document_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_document_assignment_members_unit_id_units')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_document_assignment_members_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_assignment_members'))
    )
    with op.batch_alter_table('document_assignment_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_assignment_members_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_assignment_members_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_document_assignment_members_user_id'), ['user_id'], unique=False)



def downgrade():
    with op.batch_alter_table('document_assignment_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_assignment_members_user_id'))
        batch_op.drop_index(batch_op.f('ix_document_assignment_members_unit_id'))
        batch_op.drop_index(batch_op.f('ix_document_assignment_members_assignment_id'))

    op.drop_table('document_assignment_members')
    with op.batch_alter_table('document_trace', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_trace_document_id'))

    op.drop_table('document_trace')
    with op.batch_alter_table('document_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_reviews_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_document_reviews_document_id'))

    op.drop_table('document_reviews')
    with op.batch_alter_table('document_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_recipients_user_id'))
        batch_op.drop_index(batch_op.f('ix_document_recipients_unit_id'))
        batch_op.drop_index(batch_op.f('ix_document_recipients_document_id'))

    op.drop_table('document_recipients')
    with op.batch_alter_table('document_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_participants_user_id'))

    op.drop_table('document_participants')
    with op.batch_alter_table('document_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_files_stored_file_id'))
        batch_op.drop_index(batch_op.f('ix_document_files_document_id'))

    op.drop_table('document_files')
    with op.batch_alter_table('document_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_assignments_document_id'))

    op.drop_table('document_assignments')
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_issuer_number')
        batch_op.drop_index(batch_op.f('ix_documents_directing_leader_id'))
        batch_op.drop_index(batch_op.f('ix_documents_current_reviewer_id'))
        batch_op.drop_index(batch_op.f('ix_documents_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_documents_created_at'))
        batch_op.drop_index('ix_documents_agency_direction_status')

    op.drop_table('documents')
    op.drop_table('number_counters')
    op.drop_table('document_settings')
