"""Tablets that read the meeting book offline: when they fetch it by themselves (meetings.offline_download),
the devices users work from (devices) and the device a login session was opened on
(auth_sessions.device_id), the generation of a user's offline keys (users.offline_key_generation), and
the id a device gives each annotation so that its outbox sends it once (meeting_annotations.client_id).

Columns are added without rebuilding their tables: a rebuild on SQLite would drop the room-version
triggers of meetings and meeting_annotations (migration 0011).

Revision ID: 0022
Revises: 0021
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_devices_user_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['users.id'], name=op.f('fk_devices_revoked_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('user_id', 'device_id', name=op.f('uq_devices_user_id'))
    )
    op.create_index(op.f('ix_devices_user_id'), 'devices', ['user_id'], unique=False)
    op.add_column('auth_sessions', sa.Column('device_id', sa.String(length=36), nullable=True))
    op.add_column('users', sa.Column('offline_key_generation', sa.Integer(), server_default='0', nullable=False))
    op.add_column('meetings', sa.Column('offline_download', sa.String(length=16), server_default='manual', nullable=False))
    op.add_column('meeting_annotations', sa.Column('client_id', sa.String(length=36), nullable=True))
    op.create_index('ix_meeting_annotations_author_client', 'meeting_annotations', ['author_id', 'client_id'], unique=True)


def downgrade():
    op.drop_index('ix_meeting_annotations_author_client', table_name='meeting_annotations')
    op.drop_column('meeting_annotations', 'client_id')
    op.drop_column('meetings', 'offline_download')
    op.drop_column('users', 'offline_key_generation')
    op.drop_column('auth_sessions', 'device_id')
    op.drop_index(op.f('ix_devices_user_id'), table_name='devices')
    op.drop_table('devices')
