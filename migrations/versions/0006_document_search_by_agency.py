"""Search and lists by agency: document_search.agency_id, and an index of each agency's documents by age.

PostgreSQL keeps the body's tsvector in a generated column (body_tsv), so a row's text is tested
without parsing it again, and indexes it together with agency_id in one GIN (btree_gin), so that
"these words in this agency" is one index search. SQLite keeps its FTS5 table.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    # Added NOT NULL with a default and filled in place: on SQLite, changing the column afterwards
    # would rebuild the table and drop the FTS5 triggers on it.
    op.add_column(
        'document_search',
        sa.Column('agency_id', sa.String(length=13), nullable=False, server_default=''),
    )
    op.execute(
        "UPDATE document_search SET agency_id = "
        "(SELECT documents.agency_id FROM documents WHERE documents.id = document_search.document_id)"
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index(
            'ix_documents_agency_id_created_at', ['agency_id', 'created_at', 'id'], unique=False
        )
    if postgresql:
        op.alter_column('document_search', 'agency_id', server_default=None)
        # btree_gin is a trusted extension: the database owner may create it.
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
        op.execute(
            "ALTER TABLE document_search ADD COLUMN body_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, body)) STORED"
        )
        op.execute("DROP INDEX ix_document_search_body_tsv")
        op.execute(
            "CREATE INDEX ix_document_search_agency_tsv ON document_search USING gin (agency_id, body_tsv)"
        )


def downgrade():
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_agency_id_created_at')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_document_search_agency_tsv")
        op.execute("ALTER TABLE document_search DROP COLUMN body_tsv")
        op.execute("DROP EXTENSION IF EXISTS btree_gin")
        op.execute(
            "CREATE INDEX ix_document_search_body_tsv ON document_search "
            "USING gin (to_tsvector('simple'::regconfig, body))"
        )
    # A plain DROP COLUMN (SQLite 3.35+), not a batch rebuild that would drop the FTS5 triggers.
    op.drop_column('document_search', 'agency_id')
