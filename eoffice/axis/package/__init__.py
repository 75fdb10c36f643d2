"""edXML packages (QCVN 102:2016 as docs/axis-protocol.md pins it): built from a document, read back.

`EdocPackage` is the document as the package carries it (model.py); `build_package` signs it into
bytes (build.py) and `parse_package` turns arriving bytes back into it, refusing anything malformed
with a PackageRefused that names the field (read.py).
"""

from eoffice.axis.package.build import add_organ, build_package
from eoffice.axis.package.model import (
    ATTACHMENT_DESCRIPTION,
    BUSINESS_STAFF_FIELDS,
    BUSINESS_TYPES,
    HEADER_PATH,
    MAIN_DESCRIPTION,
    NEW,
    ORGAN_DETAILS,
    REPLACEMENT,
    REVOCATION,
    UPDATE,
    Business,
    EdocPackage,
    Organ,
    PackageFile,
    Replacement,
)
from eoffice.axis.package.read import (
    CONTENT_ID,
    ORGAN_ID,
    checked_organ_id,
    document_id_in,
    parse_package,
    read_organ,
    read_package,
    sender_of,
    verify_signed,
)

__all__ = [
    "ATTACHMENT_DESCRIPTION",
    "BUSINESS_STAFF_FIELDS",
    "BUSINESS_TYPES",
    "CONTENT_ID",
    "HEADER_PATH",
    "MAIN_DESCRIPTION",
    "NEW",
    "ORGAN_DETAILS",
    "ORGAN_ID",
    "REPLACEMENT",
    "REVOCATION",
    "UPDATE",
    "Business",
    "EdocPackage",
    "Organ",
    "PackageFile",
    "Replacement",
    "add_organ",
    "build_package",
    "checked_organ_id",
    "document_id_in",
    "parse_package",
    "read_organ",
    "read_package",
    "sender_of",
    "verify_signed",
]
