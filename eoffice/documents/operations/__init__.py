"""Everything that changes documents, one module per part of the flow; they flush, the caller commits."""

from eoffice.documents.operations.drafting import add_files, create_draft, update_draft
from eoffice.documents.operations.files import IncomingFile
from eoffice.documents.operations.handling import (
    add_opinion,
    assign,
    complete,
    mark_read,
    record_progress,
    submit_for_direction,
)
from eoffice.documents.operations.intake import (
    InboundRecord,
    amend,
    mark_replaced,
    probable_duplicates,
    receive_incoming,
    refuse,
    register,
    register_upload,
    withdraw,
)
from eoffice.documents.operations.issuance import correct, issue, recall
from eoffice.documents.operations.review import (
    approve,
    return_draft,
    review_candidates,
    review_levels,
    submit,
    update_settings,
)

__all__ = [
    "InboundRecord",
    "IncomingFile",
    "add_files",
    "add_opinion",
    "amend",
    "approve",
    "assign",
    "complete",
    "correct",
    "create_draft",
    "issue",
    "mark_read",
    "mark_replaced",
    "probable_duplicates",
    "recall",
    "receive_incoming",
    "record_progress",
    "refuse",
    "register",
    "register_upload",
    "return_draft",
    "review_candidates",
    "review_levels",
    "submit",
    "submit_for_direction",
    "update_draft",
    "update_settings",
    "withdraw",
]
