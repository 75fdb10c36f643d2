"""Reading records: the case files a person may see, found by title, code or keywords without diacritics."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select

from eoffice.accounts.models import Role, User
from eoffice.documents.fulltext import fold
from eoffice.extensions import db
from eoffice.records.models import AccessRegime, CaseFile, CaseFileDocument, CaseFileStatus


def visible_case_files(user: User) -> ColumnElement[bool]:
    """The VIEW_CASE_FILE rule (records.policy) as an SQL condition, for lists; both must agree."""
    if not user.is_active:
        return false()
    same_agency = CaseFile.agency_id == user.agency_id
    if any(user.has_role(role) for role in (Role.LEADER, Role.ARCHIVIST, Role.ADMIN)):
        return same_agency
    restricted = and_(
        CaseFile.status == CaseFileStatus.ARCHIVED, CaseFile.access_regime == AccessRegime.RESTRICTED
    )
    return and_(same_agency, or_(~restricted, CaseFile.responsible_id == user.id))


def search_case_files(
    user: User,
    *,
    q: str | None = None,
    status: str | None = None,
    year: int | None = None,
    document_id: int | None = None,
    limit: int = 50,
) -> list[CaseFile]:
    query = select(CaseFile).where(visible_case_files(user))
    for term in fold(q or "").split():
        query = query.where(CaseFile.search_text.contains(term, autoescape=True))
    if status is not None:
        query = query.where(CaseFile.status == status)
    if year is not None:
        query = query.where(CaseFile.year == year)
    if document_id is not None:
        query = query.where(
            CaseFile.id.in_(
                select(CaseFileDocument.case_file_id).where(CaseFileDocument.document_id == document_id)
            )
        )
    return list(db.session.scalars(query.order_by(CaseFile.year.desc(), CaseFile.notation).limit(limit)))
