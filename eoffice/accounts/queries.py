"""Read-side helpers of accounts: the directory of agencies a clerk picks issuers and recipients from."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select

from eoffice.accounts.models import Agency, DirectoryAgency
from eoffice.documents.fulltext import fold
from eoffice.extensions import db


def search_agencies(text: str | None, limit: int) -> list[dict[str, Any]]:
    """Agencies whose name holds every word of text, accents and case aside ("so noi vu" finds "Sở Nội
    vụ"), or whose identifier holds it; the axis's list and the agencies hosted here, by name."""
    text = (text or "").strip()
    words = fold(text).split()
    query = select(DirectoryAgency)
    if text:
        matches = [DirectoryAgency.id.contains(text, autoescape=True)]
        if words:
            matches.append(
                and_(*(DirectoryAgency.search_name.contains(word, autoescape=True) for word in words))
            )
        query = query.where(or_(*matches))
    found = {
        row.id: {
            "id": row.id,
            "name": row.name,
            "parent_id": row.parent_id,
            "email": row.email,
            "hosted": False,
        }
        for row in db.session.scalars(query.order_by(DirectoryAgency.search_name).limit(limit))
    }
    # Our own agencies, found even before the first refresh from the axis (or with none configured).
    for agency in db.session.scalars(select(Agency)):
        name = fold(agency.name)
        if text and text not in agency.id and not (words and all(word in name for word in words)):
            continue
        found.setdefault(agency.id, {"id": agency.id, "name": agency.name, "parent_id": agency.parent_id})
        found[agency.id]["hosted"] = True
        found[agency.id]["email"] = agency.email or found[agency.id].get("email")
    return sorted(found.values(), key=lambda row: (fold(row["name"]), row["id"]))[:limit]


def agency_of_address(address: str) -> tuple[str, str] | None:
    """(id, name) of the one agency whose official e-mail address this is: a hosted agency first, else one
    of the axis's list; None when none has it, or several do (the clerk decides, not a guess)."""
    address = address.strip().lower()
    if not address:
        return None
    for model in (Agency, DirectoryAgency):
        found = db.session.execute(select(model.id, model.name).where(model.email == address).limit(2)).all()
        if len(found) == 1:
            return found[0].id, found[0].name
        if found:
            return None
    return None
