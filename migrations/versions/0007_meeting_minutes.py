"""Minutes of meetings: one row per started meeting, and its sections (general part, one per item).

Meetings already started get their (empty, draft) minutes, as a start does from now on.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meeting_minutes',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('return_comment', sa.Text(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('pdf_file_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_meeting_minutes_approved_by_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_minutes_meeting_id_meetings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pdf_file_id'], ['stored_files.id'], name=op.f('fk_meeting_minutes_pdf_file_id_stored_files')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_meeting_minutes_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_meeting_minutes'))
    )
    op.create_table('meeting_minutes_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('conclusion', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['meeting_agenda_items.id'], name=op.f('fk_meeting_minutes_sections_agenda_item_id_meeting_agenda_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting_minutes.meeting_id'], name=op.f('fk_meeting_minutes_sections_meeting_id_meeting_minutes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_meeting_minutes_sections_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_minutes_sections'))
    )
    with op.batch_alter_table('meeting_minutes_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_minutes_sections_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_meeting_minutes_sections_meeting_id'), ['meeting_id'], unique=False)

    op.execute(
        "INSERT INTO meeting_minutes (meeting_id, status, seq, created_at) "
        "SELECT id, 'draft', 0, CURRENT_TIMESTAMP FROM meetings WHERE status IN ('in_progress', 'closed')"
    )


def downgrade():
    with op.batch_alter_table('meeting_minutes_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_meeting_minutes_sections_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_meeting_minutes_sections_agenda_item_id'))

    op.drop_table('meeting_minutes_sections')
    op.drop_table('meeting_minutes')
