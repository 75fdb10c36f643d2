"""Demo data: a small province with two agencies, their units, one account per role, documents and a meeting.

`flask load-demo` (and so `make run`) calls `load_demo_data`; each part creates only what is missing.
"""

from __future__ import annotations

from eoffice.demo.documents import DEMO_DOCUMENTS, load_demo_documents
from eoffice.demo.people import (
    AGENCIES,
    DEMO_PASSWORD,
    USERS,
    issue_demo_certificates_to_leaders,
    load_demo_people,
)

__all__ = ["AGENCIES", "DEMO_DOCUMENTS", "DEMO_PASSWORD", "USERS", "load_demo_data", "load_demo_documents"]


def load_demo_data() -> bool:
    """Create whatever part of the demo province is missing; True when something was created."""
    from meetings.demo import load_demo_meeting

    created = load_demo_people()
    issue_demo_certificates_to_leaders()
    created |= load_demo_documents()
    created |= load_demo_meeting()
    return created
