"""The devices a user works from: listing them, and revoking one (a lost tablet) from any other."""

from __future__ import annotations

from sqlalchemy import select

from eoffice.accounts.models import User
from eoffice.api_base import ApiError, Blueprint
from eoffice.auth import operations as auth_operations
from eoffice.auth.policy import Permission, authorize
from eoffice.auth.session import current_user, login_required
from eoffice.devices.models import Device
from eoffice.devices.operations import device_from_headers
from eoffice.devices.schemas import DeviceQuerySchema, DeviceSchema
from eoffice.extensions import db

blp = Blueprint("devices", __name__, url_prefix="/api/v1/devices", description="The devices users work from")


def _owner(query: dict) -> User:
    """The caller, or the user named by ?user_id= when the caller manages that user's devices."""
    caller = current_user()
    user_id = query.get("user_id", caller.id)
    owner = caller if user_id == caller.id else db.session.get(User, user_id)
    if owner is None:
        raise ApiError(404, "not_found", f"user {user_id} not found")
    authorize(caller, Permission.MANAGE_DEVICES, owner)
    return owner


class _Shown:
    """A device as the caller sees it: whether it is the one the request came from."""

    def __init__(self, device: Device, current: str | None):
        self.device = device
        self.is_current = device.device_id == current

    def __getattr__(self, name: str):
        return getattr(self.device, name)


def _current_device_id(owner: User) -> str | None:
    named = device_from_headers()
    return named.device_id if named is not None and owner.id == current_user().id else None


@blp.get("")
@blp.arguments(DeviceQuerySchema, location="query")
@blp.response(200, DeviceSchema(many=True))
@blp.doc(description="The devices seen with the user's logins, most recently seen first.")
@login_required
def list_devices(query):
    owner = _owner(query)
    rows = db.session.scalars(
        select(Device).where(Device.user_id == owner.id).order_by(Device.last_seen_at.desc(), Device.id)
    )
    current = _current_device_id(owner)
    return [_Shown(row, current) for row in rows]


@blp.post("/<device_id>/revoke")
@blp.arguments(DeviceQuerySchema, location="query")
@blp.response(200, DeviceSchema)
@blp.doc(
    description="Ends the device's sessions (a logout of that device, its live connections told "
    "`device_revoked`) and refuses it from then on with 401 `device_revoked`; the user's offline keys "
    "change. The user themself, or an administrator of their agency with `?user_id=`."
)
@login_required
def revoke_device(query, device_id):
    owner = _owner(query)
    device = db.session.scalar(
        select(Device).where(Device.user_id == owner.id, Device.device_id == device_id.lower())
    )
    if device is None:
        raise ApiError(404, "not_found", f"device {device_id} of user {owner.id} not found")
    auth_operations.revoke_device(device, current_user())
    db.session.commit()
    return _Shown(device, _current_device_id(owner))
