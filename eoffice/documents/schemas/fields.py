"""Fields and validators that the document schemas share."""

from __future__ import annotations

import marshmallow as ma

from eoffice.accounts.models import AGENCY_ID_PATTERN
from eoffice.documents.document_types import DOCUMENT_TYPES, normalize_type
from eoffice.documents.models import Confidentiality, Urgency

MAX_INT = 2**31 - 1
MAX_TYPE_NAME = 100


class Text(ma.fields.String):
    """A string without surrounding blanks; required ones may not be blank."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if not text and self.required:
            raise ma.ValidationError("may not be blank")
        return text or None


def text_field(max_length: int, *, required: bool = False, **kwargs) -> Text:
    return Text(required=required, validate=ma.validate.Length(max=max_length), **kwargs)


class DocumentTypeField(ma.fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        code = normalize_type(super()._deserialize(value, attr, data, **kwargs))
        if code not in DOCUMENT_TYPES:
            raise ma.ValidationError(
                f"unknown document type {code!r}; one of the Decree 30 abbreviations, or CV, THC"
            )
        return code


class TypeNameField(ma.fields.String):
    """A document type as another system names it: one of ours when it is, otherwise the name kept."""

    def _deserialize(self, value, attr, data, **kwargs):
        code = normalize_type(super()._deserialize(value, attr, data, **kwargs))
        if not code or len(code) > MAX_TYPE_NAME:
            raise ma.ValidationError(f"a document type name of 1 to {MAX_TYPE_NAME} characters is required")
        return code


agency_id_field = ma.fields.String(
    validate=ma.validate.Regexp(
        AGENCY_ID_PATTERN, error="must be a 13-character agency identifier like 000.00.00.H49"
    )
)
urgency_field = ma.fields.String(validate=ma.validate.OneOf([u.value for u in Urgency]))
confidentiality_field = ma.fields.String(validate=ma.validate.OneOf([c.value for c in Confidentiality]))
positive_int = ma.validate.Range(min=1, max=MAX_INT)
