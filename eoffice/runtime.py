"""Accessors for what create_app attached to the running application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from eoffice.config import Settings
    from eoffice.storage.backend import StorageBackend


def settings() -> Settings:
    return current_app.extensions["eoffice"]["settings"]


def storage() -> StorageBackend:
    return current_app.extensions["eoffice"]["storage"]
