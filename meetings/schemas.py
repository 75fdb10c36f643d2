"""Request and response schemas of meetings, agenda items, documents and opinion polls."""

import json
import math

import marshmallow as ma

from eoffice.api_base import ApiSchema
from meetings.models import MeetingStatus, OfflineDownload

INVITED_ROLES = ["delegate", "guest"]
# When tablets fetch the meeting book for offline reading by themselves (meetings.offline).
OFFLINE_DOWNLOAD = ma.validate.OneOf([choice.value for choice in OfflineDownload])


def _ends_after_starts(data: dict, *, partial: bool = False) -> None:
    starts, ends = data.get("starts_at"), data.get("ends_at")
    if starts is not None and ends is not None and ends <= starts:
        raise ma.ValidationError("must be after starts_at", "ends_at")


class ParticipantInSchema(ApiSchema):
    user_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(INVITED_ROLES))


class MeetingCreateSchema(ApiSchema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(1, 300))
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(required=True)
    location = ma.fields.String(load_default="", validate=ma.validate.Length(max=300))
    online_link = ma.fields.Url(load_default=None, allow_none=True, schemes={"http", "https"})
    chair_id = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1))
    secretary_id = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=ma.validate.Range(min=1)
    )
    quorum_percent = ma.fields.Integer(load_default=50, strict=True, validate=ma.validate.Range(0, 99))
    participants = ma.fields.List(ma.fields.Nested(ParticipantInSchema), load_default=list)
    offline_download = ma.fields.String(load_default=OfflineDownload.MANUAL, validate=OFFLINE_DOWNLOAD)

    @ma.validates_schema
    def check_times(self, data, **kwargs):
        _ends_after_starts(data)


class MeetingUpdateSchema(ApiSchema):
    title = ma.fields.String(validate=ma.validate.Length(1, 300))
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime()
    location = ma.fields.String(validate=ma.validate.Length(max=300))
    online_link = ma.fields.Url(allow_none=True, schemes={"http", "https"})
    chair_id = ma.fields.Integer(strict=True, validate=ma.validate.Range(min=1))
    secretary_id = ma.fields.Integer(allow_none=True, strict=True, validate=ma.validate.Range(min=1))
    quorum_percent = ma.fields.Integer(strict=True, validate=ma.validate.Range(0, 99))
    participants = ma.fields.List(ma.fields.Nested(ParticipantInSchema))
    offline_download = ma.fields.String(validate=OFFLINE_DOWNLOAD)

    @ma.validates_schema
    def check_times(self, data, **kwargs):
        _ends_after_starts(data)


class MeetingQuerySchema(ApiSchema):
    status = ma.fields.String(validate=ma.validate.OneOf([s.value for s in MeetingStatus]))
    # A calendar's period: meetings that overlap [from, to), instants with their offset (Vietnam
    # midnight is 17:00 UTC the day before, which only the client knows it wants).
    from_ = ma.fields.AwareDateTime(data_key="from")
    to = ma.fields.AwareDateTime()

    @ma.validates_schema
    def check_period(self, data, **kwargs):
        if "from_" in data and "to" in data and data["to"] <= data["from_"]:
            raise ma.ValidationError("must be after from", "to")


class ParticipantSchema(ApiSchema):
    user_id = ma.fields.Integer()
    role = ma.fields.String()
    full_name = ma.fields.Function(lambda p: p.user.full_name if getattr(p, "user", None) else None)
    attendance_mode = ma.fields.String(allow_none=True)
    checked_in_at = ma.fields.DateTime(allow_none=True)


class AgendaItemSchema(ApiSchema):
    id = ma.fields.Integer()
    position = ma.fields.Integer()
    title = ma.fields.String()
    presenter_id = ma.fields.Integer(allow_none=True)
    starts_at = ma.fields.DateTime(allow_none=True)
    ends_at = ma.fields.DateTime(allow_none=True)
    is_confidential = ma.fields.Boolean()
    named_user_ids = ma.fields.List(ma.fields.Integer())
    allowed_actions = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "What the caller may do on this item now (in a meeting's detail)"},
    )


class MeetingDocumentSchema(ApiSchema):
    id = ma.fields.Integer()
    meeting_id = ma.fields.Integer()
    agenda_item_id = ma.fields.Integer(allow_none=True)
    file_id = ma.fields.Integer()
    name = ma.fields.String()
    page_count = ma.fields.Integer(allow_none=True)
    size = ma.fields.Function(lambda d: d.file.size if getattr(d, "file", None) else None)
    content_type = ma.fields.Function(lambda d: d.file.content_type if getattr(d, "file", None) else None)
    created_at = ma.fields.DateTime()


class MeetingSchema(ApiSchema):
    id = ma.fields.Integer()
    agency_id = ma.fields.String()
    title = ma.fields.String()
    starts_at = ma.fields.DateTime()
    ends_at = ma.fields.DateTime()
    location = ma.fields.String()
    online_link = ma.fields.String(allow_none=True)
    status = ma.fields.String()
    organiser_id = ma.fields.Integer()
    chair_id = ma.fields.Integer(allow_none=True)
    secretary_id = ma.fields.Integer(allow_none=True)
    quorum_percent = ma.fields.Integer()
    offline_download = ma.fields.String(
        metadata={
            "description": "When tablets fetch the book by themselves: manual, on_invitation, day_before"
        }
    )
    calendar_sequence = ma.fields.Integer()
    participants = ma.fields.List(ma.fields.Nested(ParticipantSchema))
    created_at = ma.fields.DateTime()


class MeetingDetailSchema(MeetingSchema):
    agenda = ma.fields.List(ma.fields.Nested(AgendaItemSchema))
    documents = ma.fields.List(ma.fields.Nested(MeetingDocumentSchema))
    allowed_actions = ma.fields.List(
        ma.fields.String(), metadata={"description": "What the caller may do now (meetings.workflow.Action)"}
    )


class AgendaItemCreateSchema(ApiSchema):
    title = ma.fields.String(required=True, validate=ma.validate.Length(1, 300))
    presenter_id = ma.fields.Integer(load_default=None, allow_none=True, strict=True)
    starts_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    ends_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    is_confidential = ma.fields.Boolean(load_default=False)
    named_user_ids = ma.fields.List(ma.fields.Integer(strict=True), load_default=list)
    position = ma.fields.Integer(
        load_default=None, allow_none=True, strict=True, validate=ma.validate.Range(1)
    )

    @ma.validates_schema
    def check_times(self, data, **kwargs):
        _ends_after_starts(data)


class AgendaItemUpdateSchema(ApiSchema):
    title = ma.fields.String(validate=ma.validate.Length(1, 300))
    presenter_id = ma.fields.Integer(allow_none=True, strict=True)
    starts_at = ma.fields.AwareDateTime(allow_none=True)
    ends_at = ma.fields.AwareDateTime(allow_none=True)
    is_confidential = ma.fields.Boolean()
    named_user_ids = ma.fields.List(ma.fields.Integer(strict=True))
    position = ma.fields.Integer(strict=True, validate=ma.validate.Range(1))

    @ma.validates_schema
    def check_times(self, data, **kwargs):
        _ends_after_starts(data)


class DocumentUploadFormSchema(ApiSchema):
    agenda_item_id = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1))


class OpinionPollCreateSchema(ApiSchema):
    question = ma.fields.String(required=True, validate=ma.validate.Length(1, 1000))
    options = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(1, 100)),
        load_default=lambda: ["Đồng ý", "Không đồng ý", "Ý kiến khác"],
        validate=ma.validate.Length(2, 20),
    )
    deadline = ma.fields.AwareDateTime(required=True)


class OpinionAnswerCreateSchema(ApiSchema):
    option = ma.fields.String(required=True, validate=ma.validate.Length(1, 100))
    comment = ma.fields.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=4000))


class OpinionAnswerSchema(ApiSchema):
    user_id = ma.fields.Integer()
    option = ma.fields.String()
    comment = ma.fields.String(allow_none=True)
    answered_at = ma.fields.DateTime()


class OpinionPollSchema(ApiSchema):
    id = ma.fields.Integer()
    meeting_id = ma.fields.Integer()
    question = ma.fields.String()
    options = ma.fields.List(ma.fields.String())
    deadline = ma.fields.DateTime()
    created_by_id = ma.fields.Integer()
    results = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    answered = ma.fields.Integer()
    eligible = ma.fields.Integer()
    my_answer = ma.fields.Nested(OpinionAnswerSchema, allow_none=True)
    answers = ma.fields.List(ma.fields.Nested(OpinionAnswerSchema))
    allowed_actions = ma.fields.List(
        ma.fields.String(), metadata={"description": "What the caller may do now: `answer` or nothing"}
    )


# What a tablet draws or writes on a page: {"kind": "note", "text": …} from the room's note field,
# and marks such as {"highlight": [x1, y1, x2, y2]} or a stroke's points [[x, y], …]. Every annotation
# is sent again in each join of its audience, so its shape is bounded: objects and lists nest at
# most ANNOTATION_MAX_DEPTH deep (the data object is the first level).
ANNOTATION_MAX_DEPTH = 4
ANNOTATION_MAX_KEYS = 50
ANNOTATION_MAX_KEY_LENGTH = 64
MAX_ANNOTATION_SIZE = 16 * 1024


class AnnotationValue(ma.fields.Field):
    """A JSON value of an annotation's data, walked without recursion: no depth exhausts the stack."""

    def _deserialize(self, value, attr, data, **kwargs):
        problem = annotation_shape_problem(value, depth=2)
        if problem is not None:
            raise ma.ValidationError(problem)
        return value


def annotation_shape_problem(value, *, depth: int = 1) -> str | None:
    """Why a value (at `depth`) breaks the annotation shape; None when it fits."""
    pending = [(value, depth)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str) and "\x00" in value:
            return "text must not contain NUL characters"
        if isinstance(value, float) and not math.isfinite(value):
            return "numbers must be finite"
        if value is None or isinstance(value, bool | int | float | str):
            continue
        if not isinstance(value, dict | list):
            return "values must be JSON text, numbers, booleans, null, lists or objects"
        if depth > ANNOTATION_MAX_DEPTH:
            return f"objects and lists nest at most {ANNOTATION_MAX_DEPTH} levels deep"
        if isinstance(value, dict):
            if len(value) > ANNOTATION_MAX_KEYS:
                return f"an object has at most {ANNOTATION_MAX_KEYS} keys"
            if any(
                not isinstance(k, str) or not 0 < len(k) <= ANNOTATION_MAX_KEY_LENGTH or "\x00" in k
                for k in value
            ):
                return f"keys are non-empty strings of at most {ANNOTATION_MAX_KEY_LENGTH} characters"
            value = list(value.values())
        pending.extend((item, depth + 1) for item in value)
    return None


class AnnotationData(ma.fields.Dict):
    """An annotation's data, refused with one message naming the key at fault (a Dict's own messages
    nest by key, then "key" or "value"), and bounded in bytes of JSON as well as in shape."""

    def __init__(self, **kwargs):
        super().__init__(
            keys=ma.fields.String(validate=ma.validate.Length(1, ANNOTATION_MAX_KEY_LENGTH)),
            values=AnnotationValue(),
            validate=ma.validate.Length(max=ANNOTATION_MAX_KEYS),
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            loaded = super()._deserialize(value, attr, data, **kwargs)
        except ma.ValidationError as exc:
            node, path = exc.messages, []
            while isinstance(node, dict):
                key, node = next(iter(node.items()))
                if key not in ("key", "value"):
                    path.append(str(key))
            raise ma.ValidationError(
                ": ".join([*path, node[0] if isinstance(node, list) else str(node)])
            ) from None
        if len(json.dumps(loaded)) > MAX_ANNOTATION_SIZE:
            raise ma.ValidationError(f"larger than {MAX_ANNOTATION_SIZE} bytes")
        return loaded


class AnnotationDataSchema(ApiSchema):
    """The `data` of an annotation, whether the live room's `annotate` or the REST API brings it."""

    data = AnnotationData(required=True)
