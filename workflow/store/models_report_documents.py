"""Tables of report documents: the draft the office edits per period and scope, its versions, and the
publications (append-only). Migration ``0022_report_documents`` creates them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.store.models import TS, Base

_ID = BigInteger().with_variant(Integer, "sqlite")


class ReportDocumentRow(Base):
    """One per period and scope (``definition_key`` "" = every definition); sections as JSON text."""

    __tablename__ = "report_documents"
    __table_args__ = (UniqueConstraint("period", "definition_key", name="uq_report_documents_scope"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    period: Mapped[str] = mapped_column(String(40))
    definition_key: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    sections: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(TS)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(TS)
    approved_version: Mapped[int | None] = mapped_column(Integer)
    reissue_reason: Mapped[str] = mapped_column(Text, default="")


class ReportVersionRow(Base):
    """A step of a document's history: the sections then, who, when and what changed."""

    __tablename__ = "report_document_versions"
    __table_args__ = (Index("ix_report_document_versions_doc", "document_id", "version"),)

    id: Mapped[int] = mapped_column(_ID, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("report_documents.id"))
    version: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    sections: Mapped[str] = mapped_column(Text)
    changed: Mapped[str] = mapped_column(Text, default="[]")
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(TS)
    note: Mapped[str] = mapped_column(Text, default="")


class ReportPublicationRow(Base):
    """A published report: immutable (triggers refuse UPDATE and DELETE), numbered across the office."""

    __tablename__ = "report_publications"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    document_id: Mapped[int] = mapped_column(ForeignKey("report_documents.id"))
    period: Mapped[str] = mapped_column(String(40))
    definition_key: Mapped[str] = mapped_column(String(64), default="")
    edition: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    content_sha256: Mapped[str] = mapped_column(String(64))
    audit_seq: Mapped[int] = mapped_column(_ID)
    audit_hash: Mapped[str] = mapped_column(String(64))
    checkpoint: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[str] = mapped_column(String(100))
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(TS)
    reason: Mapped[str] = mapped_column(Text, default="")


report_documents = ReportDocumentRow.__table__
report_document_versions = ReportVersionRow.__table__
report_publications = ReportPublicationRow.__table__

__all__ = ["ReportDocumentRow", "ReportVersionRow", "ReportPublicationRow", "report_documents",
           "report_document_versions", "report_publications"]
