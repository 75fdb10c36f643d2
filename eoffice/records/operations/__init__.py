"""What changes records: the file list, case files and their documents, hand-overs to the archive."""

from eoffice.records.operations.case_files import (
    close,
    edit,
    file_document,
    open_case_file,
    remove_document,
    reopen,
    reorder,
)
from eoffice.records.operations.file_list import add_entry, change_entry, copy_year, remove_entry
from eoffice.records.operations.handovers import propose, queue_handover_notices, receive

__all__ = [
    "add_entry",
    "change_entry",
    "close",
    "copy_year",
    "edit",
    "file_document",
    "open_case_file",
    "propose",
    "queue_handover_notices",
    "receive",
    "remove_document",
    "remove_entry",
    "reopen",
    "reorder",
]
