"""The matrix's world, built once for the package in each worker: every probe that changes it restores it,
so the modules share it whatever their order."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator

import pytest

from eoffice import create_app
from eoffice.accounts.models import User
from eoffice.extensions import db
from tests.authorization.helpers import SIDES, Target
from tests.authorization.world import World, bearer, build_side, fingerprint
from tests.conftest import RequestIsolatingClient, make_settings
from tests.factories import create_user


@pytest.fixture(scope="package")
def world_app(tmp_path_factory, sqlite_template):
    instance = tmp_path_factory.mktemp("matrix") / "instance"
    instance.mkdir()
    database = instance / "eoffice.db"
    shutil.copy(sqlite_template, database)
    flask_app = create_app(make_settings(instance, EOFFICE_DATABASE_URL=f"sqlite:///{database}"))
    flask_app.testing = True
    flask_app.test_client_class = RequestIsolatingClient
    with flask_app.app_context():
        yield flask_app, str(database)
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="package")
def world(world_app) -> Iterator[World]:
    flask_app, database = world_app
    client = flask_app.test_client()
    targets: dict[str, list[Target]] = {}
    own_people: dict[str, User] = {}
    for side in SIDES:
        built, people = build_side(client, side)
        own_people = own_people or people
        for kind, found in built.items():
            targets.setdefault(kind, []).append(found)
    platform_admin = create_user("platform.admin", agency_id=SIDES["own"], is_platform_admin=True)
    callers = {"anonymous": None, "platform_admin": platform_admin.id}
    callers |= {role: user.id for role, user in own_people.items()}
    headers = {"anonymous": {}}
    headers |= {
        caller: bearer(client, db.session.get(User, user_id).username)
        for caller, user_id in callers.items()
        if user_id is not None
    }
    db.session.remove()
    db.engine.dispose()
    source, snapshot = sqlite3.connect(database), sqlite3.connect(":memory:")
    source.backup(snapshot)
    source.close()
    built = World(targets, callers, headers, database, snapshot)
    built.baseline = fingerprint()
    yield built
    snapshot.close()
