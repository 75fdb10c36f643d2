"""auth_sessions: one row per login, named by its access tokens, so that ending it refuses them at once.

Each refresh-token family becomes a session (ended when none of its tokens is still live), so that
refresh tokens issued before this revision keep working; access tokens issued before it name no
session and are refused: their holders refresh.

Revision ID: 0012
Revises: 0011
"""

from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_auth_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_auth_sessions_user_id"), ["user_id"], unique=False)

    op.execute(
        "INSERT INTO auth_sessions (id, user_id, created_at, revoked_at) "
        "SELECT family_id, MIN(user_id), MIN(created_at), "
        "CASE WHEN COUNT(revoked_at) = COUNT(*) THEN MAX(revoked_at) END "
        "FROM refresh_tokens GROUP BY family_id"
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_refresh_tokens_family_id_auth_sessions"),
            "auth_sessions",
            ["family_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade():
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_refresh_tokens_family_id_auth_sessions"), type_="foreignkey")
    with op.batch_alter_table("auth_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auth_sessions_user_id"))
    op.drop_table("auth_sessions")
