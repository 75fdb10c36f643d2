"""The registers for print (PDF, CSV) and the handling statistics of an agency."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import marshmallow as ma
from flask import Response

from eoffice.accounts.models import Agency
from eoffice.api_base import ApiError, ApiSchema, Blueprint
from eoffice.auth.session import current_user, login_required
from eoffice.documents import clock, registers, statistics
from eoffice.documents.policy import Permission, authorize
from eoffice.extensions import db
from eoffice.storage.backend import attachment_disposition

blp = Blueprint(
    "document_reports", __name__, url_prefix="/api/v1/documents", description="Registers, statistics"
)

# A register covers at most a few years: Decree 30 registers run per year.
MAX_PERIOD_DAYS = 3 * 366


class PeriodSchema(ApiSchema):
    from_ = ma.fields.Date(
        data_key="from", required=True, metadata={"description": "First day (Vietnam time)"}
    )
    to = ma.fields.Date(required=True, metadata={"description": "Last day, included"})
    agency_id = ma.fields.String(metadata={"description": "Defaults to the caller's agency"})

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if "from_" in data and "to" in data:
            if data["to"] < data["from_"]:
                raise ma.ValidationError("must not be before from", "to")
            if (data["to"] - data["from_"]).days > MAX_PERIOD_DAYS:
                raise ma.ValidationError(f"the period is limited to {MAX_PERIOD_DAYS} days", "to")


class RegisterQuerySchema(PeriodSchema):
    format = ma.fields.String(load_default="pdf", validate=ma.validate.OneOf(["pdf", "csv"]))


class UnitStatisticsSchema(ApiSchema):
    unit_id = ma.fields.Integer(allow_none=True)
    unit_name = ma.fields.String()
    on_time = ma.fields.Integer()
    late = ma.fields.Integer()
    overdue = ma.fields.Integer(metadata={"description": "Open and past the deadline now"})
    in_progress = ma.fields.Integer()
    total = ma.fields.Integer()


class StatisticsSchema(ApiSchema):
    agency_id = ma.fields.String()
    units = ma.fields.List(ma.fields.Nested(UnitStatisticsSchema))


def _agency(query: dict, permission: Permission) -> Agency:
    user = current_user()
    agency = db.session.get(Agency, query.get("agency_id") or user.agency_id)
    if agency is None:
        raise ApiError(404, "not_found", f"agency {query.get('agency_id')} not found")
    authorize(user, permission, agency.id)
    return agency


@blp.get("/registers/<kind>")
@blp.arguments(RegisterQuerySchema, location="query")
@blp.doc(
    description="`incoming` and `outgoing`: the registers of incoming and outgoing documents; `follow-up`: "
    "the follow-up of the handling of incoming documents (sổ theo dõi giải quyết văn bản đến).",
    responses={"200": {"description": "The register as PDF or CSV (UTF-8 with BOM)"}},
)
@login_required
def get_register(query, kind):
    if kind not in set(registers.RegisterKind):
        raise ApiError(404, "not_found", "registers are 'incoming', 'outgoing' or 'follow-up'")
    agency = _agency(query, Permission.PRINT_REGISTERS)
    kind = registers.RegisterKind(kind)
    register = registers.build_register(current_user(), agency, kind, query["from_"], query["to"])
    name = f"{registers.FILE_NAMES[kind]}-{query['from_']}-{query['to']}"
    if query["format"] == "csv":
        body, mimetype = registers.register_csv(register), "text/csv"
    else:
        body, mimetype = registers.register_pdf(register), "application/pdf"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": attachment_disposition(f"{name}.{query['format']}")},
    )


@blp.get("/statistics")
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, StatisticsSchema)
@login_required
def get_statistics(query):
    agency = _agency(query, Permission.VIEW_DOCUMENT_STATISTICS)
    start = datetime.combine(query["from_"], time.min, clock.VIETNAM)
    end = datetime.combine(query["to"] + timedelta(days=1), time.min, clock.VIETNAM)
    return {"agency_id": agency.id, "units": statistics.unit_statistics(agency.id, start, end, clock.now())}
