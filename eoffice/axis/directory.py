"""The axis's list of agencies kept in our directory (accounts.DirectoryAgency), refreshed by the worker."""

from __future__ import annotations

import logging

from sqlalchemy import select

from eoffice.accounts.models import DirectoryAgency, is_valid_agency_id
from eoffice.axis.client import TemporaryFailure
from eoffice.axis.connector import Connector
from eoffice.documents import clock
from eoffice.documents.fulltext import fold
from eoffice.extensions import db

log = logging.getLogger(__name__)


def _listed(connector: Connector) -> list[dict]:
    """The list as the first system that answers has it: every system sees the same axis."""
    failures = []
    for client, _agencies in connector.systems():
        try:
            return client.agencies()
        except TemporaryFailure as exc:
            failures.append(str(exc))
    raise TemporaryFailure("; ".join(failures) or "no axis system configured (EOFFICE_AXIS_SYSTEMS)")


def sync_agencies(connector: Connector) -> int:
    """Make the directory what the axis lists now: new agencies added, renamed ones renamed, gone ones
    removed. An entry without a well-formed identifier or a name is left out. How many are listed."""
    wanted: dict[str, tuple[str, str | None, str | None]] = {}
    for row in _listed(connector):
        organ_id, name = row.get("id"), row.get("name")
        if not isinstance(organ_id, str) or not is_valid_agency_id(organ_id):
            log.warning("axis directory: an agency without a valid identifier is left out: %r", organ_id)
            continue
        if not isinstance(name, str) or not name.strip():
            log.warning("axis directory: agency %s has no name and is left out", organ_id)
            continue
        parent = row.get("parent")
        wanted[organ_id] = (
            name.strip()[:200],
            parent if isinstance(parent, str) and parent else None,
            _address(row.get("email")),
        )
    moment = clock.now()
    known = {row.id: row for row in db.session.scalars(select(DirectoryAgency))}
    for organ_id, row in known.items():
        if organ_id not in wanted:
            db.session.delete(row)
    for organ_id, (name, parent, email) in wanted.items():
        row = known.get(organ_id)
        if row is None:
            row = DirectoryAgency(id=organ_id)
            db.session.add(row)
        row.name, row.parent_id = name, parent
        if email is not None:
            # The list's address when it gives one; an address known otherwise stays when it gives none.
            row.email = email
        row.search_name = fold(name)[:200]
        row.synced_at = moment
    db.session.flush()
    return len(wanted)


def _address(value) -> str | None:
    if not isinstance(value, str) or len(value) > 254 or value.count("@") != 1 or " " in value.strip():
        return None
    return value.strip().lower()
