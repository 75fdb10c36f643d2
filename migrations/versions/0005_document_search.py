"""Full-text search over documents, and deadline reminder marks on assignments.

PostgreSQL indexes the folded text with a GIN index on to_tsvector('simple', body); SQLite keeps an
FTS5 table in step with document_search through triggers. Both are outside the models' metadata
(eoffice.db.include_in_autogenerate leaves them out of comparisons).

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'document_search',
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('file_text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['document_id'], ['documents.id'],
                                name=op.f('fk_document_search_document_id_documents'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('document_id', name=op.f('pk_document_search')),
    )
    with op.batch_alter_table('document_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_near_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_overdue_at', sa.DateTime(timezone=True), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_document_search_body_tsv ON document_search "
            "USING gin (to_tsvector('simple'::regconfig, body))"
        )
    else:
        op.execute(
            "CREATE VIRTUAL TABLE document_search_fts USING fts5("
            "body, content='document_search', content_rowid='document_id', tokenize='unicode61')"
        )
        op.execute(
            "CREATE TRIGGER document_search_fts_insert AFTER INSERT ON document_search BEGIN "
            "INSERT INTO document_search_fts(rowid, body) VALUES (new.document_id, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER document_search_fts_delete AFTER DELETE ON document_search BEGIN "
            "INSERT INTO document_search_fts(document_search_fts, rowid, body) "
            "VALUES ('delete', old.document_id, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER document_search_fts_update AFTER UPDATE ON document_search BEGIN "
            "INSERT INTO document_search_fts(document_search_fts, rowid, body) "
            "VALUES ('delete', old.document_id, old.body); "
            "INSERT INTO document_search_fts(rowid, body) VALUES (new.document_id, new.body); END"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_document_search_body_tsv")
    else:
        for action in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER document_search_fts_{action}")
        op.execute("DROP TABLE document_search_fts")
    with op.batch_alter_table('document_assignments', schema=None) as batch_op:
        batch_op.drop_column('reminded_overdue_at')
        batch_op.drop_column('reminded_near_at')
    op.drop_table('document_search')
