"""Devices seen again by live connections, written together once a second.

A hall's thousand tablets connecting at once are each due to be seen again (last seen yesterday): one
UPDATE per connection took a tenth of the arrival's CPU. A connection notes its device here instead
(eoffice.gathering); one statement writes the second's sightings. "Last seen" is what the devices list
shows: a second late, or lost with a process that dies, it is still right to the minute it is kept at.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask, current_app

from eoffice.db import autocommit
from eoffice.devices import operations
from eoffice.devices.operations import DeviceInfo, SeenDevice
from eoffice.gathering import Gathered

INTERVAL = 1.0


class Sightings(Gathered):
    def __init__(self, sleep: Callable[[float], None], start: Callable[..., Any], interval: float = INTERVAL):
        super().__init__("devices seen", interval, _write, sleep, start)

    def seen(self, row: SeenDevice, device: DeviceInfo) -> None:
        """Touch (devices.operations.touch) `row` with the others of this interval."""
        self.add(current_app._get_current_object(), None, row.id, operations.sighting(row, device))


def _write(app: Flask, _bucket: Hashable, sightings: list[dict[str, Any]]) -> None:
    with app.app_context(), autocommit() as connection:
        operations.touch_many(connection, sightings)
