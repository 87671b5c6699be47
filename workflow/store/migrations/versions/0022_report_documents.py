"""Report documents: the quarterly report's draft per period and scope, its versions, its publications

Revision ID: 0022_report_documents
Revises: 0015_security

The narrative sections of the report (introduction, analysis, conclusions, recommendations) become text
the office edits (``report_documents``, one per period and definition scope, with an optimistic
``version``), every save is kept (``report_document_versions``), and a published report is stored as it
was published, numbered, with the audit chain's head (``report_publications``, append-only like the
audit trail: triggers refuse UPDATE and DELETE on SQLite and PostgreSQL).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from workflow.store.db import append_only_statements

revision = "0022_report_documents"
down_revision = "0015_security"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_documents",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("definition_key", sa.String(64), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sections", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("approved_by", sa.String(100), nullable=True),
        sa.Column("approved_at", TS, nullable=True),
        sa.Column("approved_version", sa.Integer(), nullable=True),
        sa.Column("reissue_reason", sa.Text(), nullable=False, server_default=""),
        sa.UniqueConstraint("period", "definition_key", name="uq_report_documents_scope"),
    )
    op.create_table(
        "report_document_versions",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("document_id", _ID, sa.ForeignKey("report_documents.id"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("sections", sa.Text(), nullable=False),
        sa.Column("changed", sa.Text(), nullable=False, server_default="[]"),
        sa.Column("by", sa.String(100), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_report_document_versions_doc", "report_document_versions", ["document_id", "version"])
    op.create_table(
        "report_publications",
        sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("document_id", _ID, sa.ForeignKey("report_documents.id"), nullable=False),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("definition_key", sa.String(64), nullable=False, server_default=""),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("audit_seq", _ID, nullable=False),
        sa.Column("audit_hash", sa.String(64), nullable=False),
        sa.Column("checkpoint", sa.Text(), nullable=False, server_default=""),
        sa.Column("approved_by", sa.String(100), nullable=False),
        sa.Column("published_by", sa.String(100), nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
    )
    dialect = op.get_bind().dialect.name
    statements = append_only_statements(dialect, ("report_publications",))
    if dialect == "postgresql":  # the trigger function exists already (0001_core)
        statements = [s for s in statements if "CREATE OR REPLACE FUNCTION" not in s]
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("report_publications")
    op.drop_index("ix_report_document_versions_doc", table_name="report_document_versions")
    op.drop_table("report_document_versions")
    op.drop_table("report_documents")
