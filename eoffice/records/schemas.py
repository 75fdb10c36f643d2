"""Schemas of records: the file list, case files and their actions, hand-overs; requests and responses."""

from __future__ import annotations

import re

import marshmallow as ma

from eoffice.api_base import ApiSchema
from eoffice.documents.schemas import Text
from eoffice.documents.schemas.fields import text_field
from eoffice.records.models import AccessRegime, CaseFileStatus

# FileNotation: letters, digits, dots and hyphens, starting with a letter or digit (it sits in the FileCode
# OrganId.Year.Notation and in the export package's paths).
NOTATION = re.compile(r"[^\W_][\w.\-]{0,19}\Z")
YEARS = ma.validate.Range(1900, 2999)


class NonBlank(Text):
    """A text that, when given at all, is not blank (a title or heading is never emptied)."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if text is None:
            raise ma.ValidationError("may not be blank")
        return text


def _nonblank(max_length: int) -> NonBlank:
    return NonBlank(validate=ma.validate.Length(max=max_length))


def _notation(**kwargs) -> ma.fields.String:
    return ma.fields.String(
        validate=ma.validate.Regexp(
            NOTATION, error="1 to 20 letters, digits, dots or hyphens, starting with a letter or digit"
        ),
        **kwargs,
    )


def _retention(**kwargs) -> ma.fields.Integer:
    return ma.fields.Integer(
        strict=True,
        allow_none=True,
        validate=ma.validate.Range(1, 100),
        metadata={"description": "Years to keep it; null: permanently (vĩnh viễn)"},
        **kwargs,
    )


class FileListQuerySchema(ApiSchema):
    year = ma.fields.Integer(required=True, validate=YEARS)
    agency_id = ma.fields.String(validate=ma.validate.Length(max=13))
    format = ma.fields.String(load_default="json", validate=ma.validate.OneOf(["json", "pdf", "csv"]))


class FileListEntryInputSchema(ApiSchema):
    year = ma.fields.Integer(required=True, strict=True, validate=YEARS)
    agency_id = ma.fields.String(validate=ma.validate.Length(max=13))
    heading = text_field(200, required=True)
    position = ma.fields.Integer(strict=True, load_default=0, validate=ma.validate.Range(0, 100000))
    notation = _notation(required=True)
    title = text_field(500, required=True)
    retention_years = _retention(required=True)
    unit_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None)
    responsible_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None)
    note = text_field(2000, allow_none=True, load_default=None)


class FileListEntryChangeSchema(ApiSchema):
    heading = _nonblank(200)
    position = ma.fields.Integer(strict=True, validate=ma.validate.Range(0, 100000))
    notation = _notation()
    title = _nonblank(500)
    retention_years = _retention()
    unit_id = ma.fields.Integer(strict=True, allow_none=True)
    responsible_id = ma.fields.Integer(strict=True, allow_none=True)
    note = text_field(2000, allow_none=True)


class FileListCopySchema(ApiSchema):
    from_year = ma.fields.Integer(required=True, strict=True, validate=YEARS)
    to_year = ma.fields.Integer(required=True, strict=True, validate=YEARS)
    agency_id = ma.fields.String(validate=ma.validate.Length(max=13))


class FileListEntrySchema(ApiSchema):
    id = ma.fields.Integer()
    agency_id = ma.fields.String()
    year = ma.fields.Integer()
    heading = ma.fields.String()
    position = ma.fields.Integer()
    notation = ma.fields.String()
    title = ma.fields.String()
    retention_years = ma.fields.Integer(allow_none=True)
    unit_id = ma.fields.Integer(allow_none=True)
    responsible_id = ma.fields.Integer(allow_none=True)
    note = ma.fields.String(allow_none=True)
    allowed_actions = ma.fields.List(
        ma.fields.String(), metadata={"description": "What the caller may do to it: `edit`, `delete`"}
    )


class _CaseFileMetadata(ApiSchema):
    access_regime = ma.fields.String(validate=ma.validate.OneOf([a.value for a in AccessRegime]))
    language = ma.fields.String(validate=ma.validate.Length(2, 10))
    keywords = text_field(500, allow_none=True)
    physical_state = text_field(200, allow_none=True)
    note = text_field(2000, allow_none=True)


class CaseFileOpenSchema(_CaseFileMetadata):
    file_list_entry_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None)
    year = ma.fields.Integer(strict=True, allow_none=True, validate=YEARS)
    notation = _notation(allow_none=True)
    title = text_field(500, allow_none=True)
    retention_years = _retention()
    unit_id = ma.fields.Integer(strict=True, allow_none=True)


class CaseFileChangeSchema(_CaseFileMetadata):
    title = _nonblank(500)
    retention_years = _retention()
    reason = text_field(2000, allow_none=True, load_default=None)


class CaseFileActionSchema(ApiSchema):
    """The body of POST /case-files/<id>/actions/<action>: what each action needs of it."""

    document_id = ma.fields.Integer(strict=True)
    document_ids = ma.fields.List(ma.fields.Integer(strict=True), validate=ma.validate.Length(max=10000))
    reason = text_field(2000, allow_none=True, load_default=None)


class CaseFileQuerySchema(ApiSchema):
    q = ma.fields.String(
        validate=ma.validate.Length(1, 200),
        metadata={"description": "Words of the title, code or keywords, with or without diacritics"},
    )
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in CaseFileStatus]))
    year = ma.fields.Integer(validate=YEARS)
    document_id = ma.fields.Integer(metadata={"description": "The case file this document is filed in"})
    limit = ma.fields.Integer(load_default=50, validate=ma.validate.Range(1, 200))


class CaseFileSummarySchema(ApiSchema):
    id = ma.fields.Integer()
    code = ma.fields.String(metadata={"description": "FileCode: OrganId.FileCatalog.FileNotation"})
    agency_id = ma.fields.String()
    year = ma.fields.Integer()
    notation = ma.fields.String()
    status = ma.fields.String()
    title = ma.fields.String()
    retention_years = ma.fields.Integer(allow_none=True)
    access_regime = ma.fields.String()
    start_date = ma.fields.Date(allow_none=True)
    end_date = ma.fields.Date(allow_none=True)
    document_count = ma.fields.Integer()
    page_count = ma.fields.Integer()
    responsible_id = ma.fields.Integer(allow_none=True)
    responsible_name = ma.fields.String()
    handover_id = ma.fields.Integer(allow_none=True)
    handover_due = ma.fields.Date(
        allow_none=True, metadata={"description": "When a closed case file is due at the archive (a year on)"}
    )


class CaseFilePageSchema(ApiSchema):
    items = ma.fields.List(ma.fields.Nested(CaseFileSummarySchema))


class FiledDocumentSchema(ApiSchema):
    ordinal = ma.fields.Integer(metadata={"description": "DocOrdinal, 1..n"})
    document_id = ma.fields.Integer()
    hidden = ma.fields.Boolean(metadata={"description": "True when the caller may not see the document"})
    number_and_notation = ma.fields.String(allow_none=True)
    issued_date = ma.fields.Date(allow_none=True)
    subject = ma.fields.String(allow_none=True)
    document_type = ma.fields.String(allow_none=True)
    issuer_name = ma.fields.String(allow_none=True)
    page_count = ma.fields.Integer(allow_none=True)
    filed_at = ma.fields.DateTime()


class CaseFileEventSchema(ApiSchema):
    id = ma.fields.Integer()
    actor_id = ma.fields.Integer(allow_none=True)
    actor_name = ma.fields.String()
    action = ma.fields.String()
    reason = ma.fields.String(allow_none=True)
    details = ma.fields.Dict()
    created_at = ma.fields.DateTime()


class CaseFileSchema(CaseFileSummarySchema):
    file_list_entry_id = ma.fields.Integer(allow_none=True)
    language = ma.fields.String()
    keywords = ma.fields.String(allow_none=True)
    physical_state = ma.fields.String(allow_none=True)
    note = ma.fields.String(allow_none=True)
    unit_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.DateTime()
    closed_at = ma.fields.DateTime(allow_none=True)
    archived_at = ma.fields.DateTime(allow_none=True)
    documents = ma.fields.List(ma.fields.Nested(FiledDocumentSchema))
    history = ma.fields.List(ma.fields.Nested(CaseFileEventSchema))
    allowed_actions = ma.fields.List(
        ma.fields.String(), metadata={"description": "What the caller may do now"}
    )


class HandoverInputSchema(ApiSchema):
    case_file_ids = ma.fields.List(
        ma.fields.Integer(strict=True), required=True, validate=ma.validate.Length(1, 1000)
    )
    deadline = ma.fields.Date(
        allow_none=True,
        load_default=None,
        metadata={"description": "Default: the earliest day one of them is due (a year after its closing)"},
    )
    note = text_field(2000, allow_none=True, load_default=None)


class HandoverSchema(ApiSchema):
    id = ma.fields.Integer()
    agency_id = ma.fields.String()
    status = ma.fields.String()
    deadline = ma.fields.Date()
    note = ma.fields.String(allow_none=True)
    proposed_by_id = ma.fields.Integer(allow_none=True)
    proposed_at = ma.fields.DateTime()
    received_by_id = ma.fields.Integer(allow_none=True)
    received_by_name = ma.fields.String(allow_none=True)
    received_at = ma.fields.DateTime(allow_none=True)
    list_file_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Mục lục hồ sơ (PDF), at /api/v1/files/<id>/content"}
    )
    record_file_id = ma.fields.Integer(
        allow_none=True, metadata={"description": "Biên bản giao nhận (PDF), at /api/v1/files/<id>/content"}
    )
    case_files = ma.fields.List(ma.fields.Nested(CaseFileSummarySchema))
    allowed_actions = ma.fields.List(ma.fields.String(), metadata={"description": "`receive`, `export`"})
