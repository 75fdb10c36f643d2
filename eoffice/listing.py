"""What the administration lists share: which agency the caller looks at, and one page of rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select

from eoffice.api_base import DB_INT_MAX, invalid
from eoffice.auth.policy import Permission, authorize
from eoffice.auth.session import current_user
from eoffice.extensions import db


def agency_scope(filters: dict[str, Any], permission: Permission) -> str | None:
    """The agency asked for, else the caller's own (None: every agency, for the platform admin)."""
    user = current_user()
    agency_id = filters.get("agency_id") or (None if user.is_platform_admin else user.agency_id)
    authorize(user, permission, agency_id)
    return agency_id


def page(query: Select, order_by, pagination_parameters) -> list:
    """One page of the query, with the total count that flask-smorest puts in X-Pagination."""
    if pagination_parameters.first_item > DB_INT_MAX:
        # flask-smorest bounds `page` from below only; an offset past this fails in the database.
        raise invalid("page", "beyond any page this list can have", "query")
    pagination_parameters.item_count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    return db.session.scalars(
        query.order_by(order_by)
        .offset(pagination_parameters.first_item)
        .limit(pagination_parameters.page_size)
    ).all()
