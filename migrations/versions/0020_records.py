"""Records (Decree 30 Chapter IV): the yearly file list, case files with their documents at consecutive
ordinals and their history, hand-overs to the agency archive.

Revision ID: 0020
Revises: 0019
"""

from alembic import op
import sqlalchemy as sa


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "file_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=13), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("heading", sa.String(length=200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("notation", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_file_list_entries_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["responsible_id"],
            ["users.id"],
            name=op.f("fk_file_list_entries_responsible_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_file_list_entries_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_list_entries")),
        sa.UniqueConstraint("agency_id", "year", "notation", name="uq_file_list_entries_notation"),
    )
    with op.batch_alter_table("file_list_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_list_entries_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_file_list_entries_responsible_id"), ["responsible_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_file_list_entries_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=13), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_by_id", sa.Integer(), nullable=True),
        sa.Column("received_by_name", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("list_file_id", sa.Integer(), nullable=True),
        sa.Column("record_file_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"], name=op.f("fk_handovers_agency_id_agencies")),
        sa.ForeignKeyConstraint(
            ["list_file_id"], ["stored_files.id"], name=op.f("fk_handovers_list_file_id_stored_files")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"],
            ["users.id"],
            name=op.f("fk_handovers_proposed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["received_by_id"],
            ["users.id"],
            name=op.f("fk_handovers_received_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["record_file_id"], ["stored_files.id"], name=op.f("fk_handovers_record_file_id_stored_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handovers")),
    )
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handovers_agency_id"), ["agency_id"], unique=False)

    op.create_table(
        "case_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=13), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("notation", sa.String(length=20), nullable=False),
        sa.Column("file_list_entry_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=True),
        sa.Column("access_regime", sa.String(length=12), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.Column("page_count", sa.Integer(), nullable=False),
        sa.Column("keywords", sa.String(length=500), nullable=True),
        sa.Column("physical_state", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("responsible_id", sa.Integer(), nullable=True),
        sa.Column("responsible_name", sa.String(length=200), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_case_files_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["file_list_entry_id"],
            ["file_list_entries.id"],
            name=op.f("fk_case_files_file_list_entry_id_file_list_entries"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["handover_id"], ["handovers.id"], name=op.f("fk_case_files_handover_id_handovers")
        ),
        sa.ForeignKeyConstraint(
            ["responsible_id"],
            ["users.id"],
            name=op.f("fk_case_files_responsible_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_case_files_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_files")),
        sa.UniqueConstraint("agency_id", "year", "notation", name="uq_case_files_code"),
    )
    with op.batch_alter_table("case_files", schema=None) as batch_op:
        batch_op.create_index("ix_case_files_agency_status", ["agency_id", "status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_case_files_file_list_entry_id"), ["file_list_entry_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_files_handover_id"), ["handover_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_files_responsible_id"), ["responsible_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_files_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "case_file_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_file_id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=13), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_case_file_documents_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["case_file_id"],
            ["case_files.id"],
            name=op.f("fk_case_file_documents_case_file_id_case_files"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_case_file_documents_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"],
            ["users.id"],
            name=op.f("fk_case_file_documents_filed_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file_documents")),
        sa.UniqueConstraint("agency_id", "document_id", name="uq_case_file_documents_document"),
        sa.UniqueConstraint("case_file_id", "ordinal", name="uq_case_file_documents_ordinal"),
    )
    with op.batch_alter_table("case_file_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_file_documents_case_file_id"), ["case_file_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_file_documents_document_id"), ["document_id"], unique=False)

    op.create_table(
        "case_file_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_file_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_case_file_events_actor_id_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["case_file_id"],
            ["case_files.id"],
            name=op.f("fk_case_file_events_case_file_id_case_files"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_file_events")),
    )
    with op.batch_alter_table("case_file_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_file_events_case_file_id"), ["case_file_id"], unique=False)


def downgrade():
    with op.batch_alter_table("case_file_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_events_case_file_id"))

    op.drop_table("case_file_events")
    with op.batch_alter_table("case_file_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_file_documents_document_id"))
        batch_op.drop_index(batch_op.f("ix_case_file_documents_case_file_id"))

    op.drop_table("case_file_documents")
    with op.batch_alter_table("case_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_files_unit_id"))
        batch_op.drop_index(batch_op.f("ix_case_files_responsible_id"))
        batch_op.drop_index(batch_op.f("ix_case_files_handover_id"))
        batch_op.drop_index(batch_op.f("ix_case_files_file_list_entry_id"))
        batch_op.drop_index("ix_case_files_agency_status")

    op.drop_table("case_files")
    with op.batch_alter_table("handovers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handovers_agency_id"))

    op.drop_table("handovers")
    with op.batch_alter_table("file_list_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_file_list_entries_unit_id"))
        batch_op.drop_index(batch_op.f("ix_file_list_entries_responsible_id"))
        batch_op.drop_index(batch_op.f("ix_file_list_entries_agency_id"))

    op.drop_table("file_list_entries")
