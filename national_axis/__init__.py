"""The mock national document axis (VDXP): its own app, database and process; nothing of eoffice."""

from __future__ import annotations

from flask import Flask, jsonify
from sqlalchemy.orm import sessionmaker

from national_axis.config import Settings
from national_axis.database import build_engine, close_session, create_schema, persistent_secret


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings if settings is not None else Settings.from_env()
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_package_bytes
    app.json.sort_keys = False

    engine = build_engine(settings.effective_database_url)
    create_schema(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    app.extensions["national_axis"] = {
        "settings": settings,
        "engine": engine,
        "sessionmaker": factory,
        "token_key": settings.secret_key or persistent_secret(factory, "token_key"),
    }
    app.teardown_appcontext(close_session)

    from national_axis import api, faults
    from national_axis.errors import register_error_handlers

    register_error_handlers(app)
    faults.init_app(app, settings)
    app.register_blueprint(api.bp)

    @app.get("/healthz")
    def healthz():
        return jsonify({"status": "ok"})

    return app
