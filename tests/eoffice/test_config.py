"""Settings read from EOFFICE_* variables: defaults, refusal of bad values, generated secrets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from eoffice.config import ConfigError, Settings

ROOT = Path(__file__).resolve().parents[2]
VALID_JWT_KEYS = "k1:" + "a" * 32


def problems_of(environ: dict[str, str]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        Settings.from_env(environ)
    return caught.value.problems


def test_empty_environment_gives_the_embedded_single_machine_defaults():
    settings = Settings.from_env({})

    instance = Path("instance").resolve()
    assert settings.instance_dir == instance
    assert settings.database_url is None
    assert settings.effective_database_url == f"sqlite:///{instance / 'eoffice.db'}"
    assert settings.is_embedded_database
    assert settings.s3_endpoint is None
    assert settings.effective_storage_path == instance / "storage"
    assert settings.port == 8000
    assert settings.host == "127.0.0.1"
    assert settings.redis_url is None
    assert settings.log_level == "INFO"
    assert settings.should_auto_migrate is True


def test_empty_environment_stores_files_on_local_disk_under_the_instance_folder(tmp_path):
    from eoffice.storage.factory import build_storage
    from eoffice.storage.local import LocalDiskStorage

    settings = Settings.from_env({"EOFFICE_INSTANCE_PATH": str(tmp_path)})

    assert isinstance(build_storage(settings), LocalDiskStorage)
    assert (tmp_path / "storage").is_dir()


def test_auto_migrate_defaults_to_false_on_postgresql():
    settings = Settings.from_env({"EOFFICE_DATABASE_URL": "postgresql://db.example/eoffice"})

    assert not settings.is_embedded_database
    assert settings.should_auto_migrate is False


@pytest.mark.parametrize(
    "url", ["postgresql://db.example/eoffice", "postgresql+psycopg://db.example/eoffice"]
)
def test_postgresql_url_can_be_used_with_the_installed_driver(url):
    settings = Settings.from_env({"EOFFICE_DATABASE_URL": url})

    # Creating the engine loads the database driver without connecting.
    engine = sa.create_engine(settings.effective_database_url)
    assert engine.dialect.name == "postgresql"
    assert engine.url.host == "db.example" and engine.url.database == "eoffice"


@pytest.mark.parametrize(
    ("database_url", "auto_migrate", "expected"),
    [
        ("postgresql://db.example/eoffice", "true", True),
        ("postgresql+psycopg://db.example/eoffice", "yes", True),
        ("sqlite:///somewhere/eoffice.db", "false", False),
        ("sqlite:///somewhere/eoffice.db", "0", False),
    ],
)
def test_explicit_auto_migrate_overrides_the_database_default(database_url, auto_migrate, expected):
    settings = Settings.from_env({"EOFFICE_DATABASE_URL": database_url, "EOFFICE_AUTO_MIGRATE": auto_migrate})

    assert settings.should_auto_migrate is expected


def test_values_are_parsed_into_their_types():
    settings = Settings.from_env(
        {
            "EOFFICE_PORT": " 9090 ",
            "EOFFICE_S3_SECURE": "off",
            "EOFFICE_JWT_KEYS": f"new:{'n' * 40}, old:{'o' * 40}",
            "EOFFICE_REDIS_URL": "rediss://cache.example:6380/1",
            "EOFFICE_LOG_LEVEL": "DEBUG",
        }
    )

    assert settings.port == 9090
    assert settings.s3_secure is False
    assert settings.jwt_keys == {"new": "n" * 40, "old": "o" * 40}
    assert list(settings.jwt_keys) == ["new", "old"]
    assert settings.redis_url == "rediss://cache.example:6380/1"
    assert settings.log_level == "DEBUG"


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("EOFFICE_PORT", "eighty", "expected an integer"),
        ("EOFFICE_ACCESS_TOKEN_TTL", "15m", "expected an integer"),
        ("EOFFICE_PORT", "0", "at least 1"),
        ("EOFFICE_PORT", "65536", "at most 65535"),
        ("EOFFICE_PROXY_COUNT", "-1", "at least 0"),
        ("EOFFICE_AUTO_MIGRATE", "maybe", "expected true/false"),
        ("EOFFICE_S3_SECURE", "", "expected true/false"),
        ("EOFFICE_S3_PUBLIC_ENDPOINT", "files.example.gov.vn", "must be http:// or https://"),
        ("EOFFICE_S3_PUBLIC_ENDPOINT", "https://files.example.gov.vn/eoffice", "host[:port] only"),
        ("EOFFICE_DATABASE_URL", "mysql://db.example/eoffice", "sqlite:// or postgresql://"),
        ("EOFFICE_DATABASE_URL", "/var/lib/eoffice.db", "sqlite:// or postgresql://"),
        ("EOFFICE_DATABASE_URL", "postgresql+asyncpg://db.example/eoffice", "sqlite:// or postgresql://"),
        ("EOFFICE_REDIS_URL", "127.0.0.1:6379", "redis:// or rediss://"),
        ("EOFFICE_REDIS_URL", "http://127.0.0.1:6379", "redis:// or rediss://"),
        ("EOFFICE_JWT_KEYS", "a" * 40, "kid:secret pairs"),
        ("EOFFICE_JWT_KEYS", f"bad kid:{'a' * 40}", "kid:secret pairs"),
        ("EOFFICE_JWT_KEYS", "k1:tooshort", "at least 32 characters"),
        ("EOFFICE_JWT_KEYS", f"{VALID_JWT_KEYS},k1:{'b' * 32}", "appears twice"),
        ("EOFFICE_LOG_LEVEL", "VERBOSE", "must be one of DEBUG, INFO, WARNING, ERROR"),
        ("EOFFICE_LOG_LEVEL", "debug", "must be one of"),
        ("EOFFICE_SOCKETIO_ASYNC_MODE", "asyncio", "must be one of threading, gevent, eventlet"),
    ],
)
def test_malformed_value_is_refused_naming_the_variable(variable, value, reason):
    problems = problems_of({variable: value})

    assert len(problems) == 1
    assert problems[0].startswith(f"{variable}: ")
    assert reason in problems[0]


def test_config_error_message_lists_every_problem():
    error = ConfigError(["EOFFICE_PORT: expected an integer", "EOFFICE_NOPE: unknown setting"])

    assert "EOFFICE_PORT: expected an integer" in str(error)
    assert "EOFFICE_NOPE: unknown setting" in str(error)


def test_unknown_variable_is_refused_naming_it():
    problems = problems_of({"EOFFICE_DATABSE_URL": "sqlite:///x.db"})

    assert problems == ["EOFFICE_DATABSE_URL: unknown setting"]


def test_test_harness_and_benchmark_variables_are_ignored():
    settings = Settings.from_env(
        {
            "EOFFICE_TEST_DATABASE_URL": "not a url at all",
            "EOFFICE_TEST_WHATEVER": "1",
            "EOFFICE_BENCH_SIZE_MB": "lots",
            "OTHER_PROGRAM_PORT": "nope",
        }
    )

    assert settings == Settings()


def test_several_problems_are_reported_together():
    problems = problems_of(
        {
            "EOFFICE_PORT": "notanumber",
            "EOFFICE_S3_SECURE": "sometimes",
            "EOFFICE_DATABSE_URL": "sqlite:///x.db",
            "EOFFICE_LOG_LEVEL": "LOUD",
        }
    )

    named = sorted(problem.split(":", 1)[0] for problem in problems)
    assert named == ["EOFFICE_DATABSE_URL", "EOFFICE_LOG_LEVEL", "EOFFICE_PORT", "EOFFICE_S3_SECURE"]


@pytest.mark.parametrize(
    "credentials",
    [{}, {"EOFFICE_S3_ACCESS_KEY": "access"}, {"EOFFICE_S3_SECRET_KEY": "secret"}],
)
def test_s3_endpoint_without_both_keys_is_refused(credentials):
    problems = problems_of({"EOFFICE_S3_ENDPOINT": "minio.example:9000", **credentials})

    assert len(problems) == 1
    assert "EOFFICE_S3_ENDPOINT" in problems[0]
    assert "EOFFICE_S3_ACCESS_KEY" in problems[0] and "EOFFICE_S3_SECRET_KEY" in problems[0]


def test_s3_endpoint_with_both_keys_is_accepted():
    settings = Settings.from_env(
        {
            "EOFFICE_S3_ENDPOINT": "minio.example:9000",
            "EOFFICE_S3_ACCESS_KEY": "access",
            "EOFFICE_S3_SECRET_KEY": "secret",
        }
    )

    assert settings.s3_endpoint == "minio.example:9000"


def test_resolve_secrets_generates_keys_into_the_instance_folder(tmp_path):
    settings = Settings.from_env({"EOFFICE_INSTANCE_PATH": str(tmp_path / "instance")})

    resolved = settings.resolve_secrets()

    secret_file = tmp_path / "instance" / "secret_key"
    jwt_file = tmp_path / "instance" / "jwt_key"
    assert resolved.secret_key == secret_file.read_text()
    assert resolved.jwt_keys == {"local-1": jwt_file.read_text()}
    assert len(resolved.secret_key) >= 32
    assert len(resolved.jwt_keys["local-1"]) >= 32
    assert resolved.secret_key != resolved.jwt_keys["local-1"]
    # Keys that sign tokens are readable by the server's user only.
    assert secret_file.stat().st_mode & 0o077 == 0
    assert jwt_file.stat().st_mode & 0o077 == 0
    # The password of the PKCS#12 signing keys, likewise.
    pin_file = tmp_path / "instance" / "signing" / "pin"
    assert resolved.signing_pin == pin_file.read_text()
    assert pin_file.stat().st_mode & 0o077 == 0


def test_resolve_secrets_reuses_the_generated_keys_on_the_next_start(tmp_path):
    environ = {"EOFFICE_INSTANCE_PATH": str(tmp_path)}
    first = Settings.from_env(environ).resolve_secrets()

    second = Settings.from_env(environ).resolve_secrets()

    assert second.secret_key == first.secret_key
    assert second.jwt_keys == first.jwt_keys


def test_resolve_secrets_keeps_explicit_keys_and_writes_nothing(tmp_path):
    secret = "s" * 40
    settings = Settings.from_env(
        {
            "EOFFICE_INSTANCE_PATH": str(tmp_path),
            "EOFFICE_SECRET_KEY": secret,
            "EOFFICE_JWT_KEYS": VALID_JWT_KEYS,
            "EOFFICE_SIGNING_PIN": "mã-pin",
        }
    )

    resolved = settings.resolve_secrets()

    assert resolved.secret_key == secret
    assert resolved.jwt_keys == {"k1": "a" * 32}
    assert resolved.signing_pin == "mã-pin"
    assert list(tmp_path.iterdir()) == []


def run_entry_point(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess:
    # Start from an environment free of the caller's own EOFFICE_* settings.
    environ = {name: value for name, value in os.environ.items() if not name.startswith("EOFFICE_")}
    environ.update(EOFFICE_INSTANCE_PATH=str(tmp_path / "instance"), **settings)
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_entry_point_stops_with_a_message_naming_a_malformed_setting(tmp_path):
    result = run_entry_point(tmp_path, EOFFICE_PORT="notanumber")

    assert result.returncode != 0
    assert "EOFFICE_PORT" in result.stderr
    assert "expected an integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_entry_point_stops_with_a_message_naming_a_misspelt_setting(tmp_path):
    result = run_entry_point(tmp_path, EOFFICE_DATABSE_URL="sqlite:///elsewhere.db")

    assert result.returncode != 0
    assert "EOFFICE_DATABSE_URL: unknown setting" in result.stderr
    assert "Traceback" not in result.stderr
    # Nothing was created with the default database in place of the intended one.
    assert not (tmp_path / "instance" / "eoffice.db").exists()


def test_axis_settings_name_each_hosted_agency_with_its_credentials(tmp_path):
    settings = Settings.from_env(
        {
            "EOFFICE_INSTANCE_PATH": str(tmp_path),
            "EOFFICE_AXIS_URL": "https://axis.example.gov.vn/",
            "EOFFICE_AXIS_SYSTEMS": "000.00.00.H49=sys-1:s3cr:et, 000.00.01.H49=sys-2:other",
            "EOFFICE_AXIS_POLL_INTERVAL": "0.5",
        }
    )

    assert settings.axis_url == "https://axis.example.gov.vn"
    assert settings.axis_systems == {
        "000.00.00.H49": ("sys-1", "s3cr:et"),
        "000.00.01.H49": ("sys-2", "other"),
    }
    assert settings.axis_poll_interval == 0.5
    assert settings.effective_axis_key_dir == tmp_path / "axis"


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        (
            {"EOFFICE_AXIS_SYSTEMS": "H49=sys:secret", "EOFFICE_AXIS_URL": "http://a"},
            "'H49' is not a 13-character",
        ),
        (
            {"EOFFICE_AXIS_SYSTEMS": "000.00.00.H49=sys", "EOFFICE_AXIS_URL": "http://a"},
            "<system id>:<secret>",
        ),
        ({"EOFFICE_AXIS_URL": "http://axis.local"}, "EOFFICE_AXIS_SYSTEMS must name the hosted agencies"),
        ({"EOFFICE_AXIS_SYSTEMS": "000.00.00.H49=sys:secret"}, "EOFFICE_AXIS_URL is needed"),
        ({"EOFFICE_AXIS_POLL_INTERVAL": "soon"}, "EOFFICE_AXIS_POLL_INTERVAL: expected a number"),
    ],
)
def test_malformed_axis_settings_stop_start_up_naming_the_variable(environ, problem):
    assert any(problem in text for text in problems_of(environ))


def test_api_workers_listen_on_their_own_port_with_the_configured_number_of_processes():
    # In a child process: the configuration monkey-patches the standard library for gevent.
    show = (
        "import runpy; c = runpy.run_path('gunicorn_api.conf.py'); "
        "print(c['bind'], c['workers'], c['worker_class'])"
    )
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EOFFICE_")}

    def shown(**settings: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", show],
            cwd=root,
            env=env | settings,
            capture_output=True,
            text=True,
            check=True,
        )
        return result.stdout.strip()

    assert (
        shown(EOFFICE_HOST="0.0.0.0", EOFFICE_API_PORT="9101", EOFFICE_API_WORKERS="3")
        == "0.0.0.0:9101 3 gunicorn.workers.ggevent.GeventPyWSGIWorker"
    )
    assert (
        shown() == f"127.0.0.1:8001 {2 * (os.cpu_count() or 1)} gunicorn.workers.ggevent.GeventPyWSGIWorker"
    )


@pytest.mark.parametrize(
    ("config", "thresholds"), [("gunicorn_api.conf.py", "700"), ("gunicorn.conf.py", "50000")]
)
def test_server_workers_take_the_loaded_application_out_of_garbage_collection(tmp_path, config, thresholds):
    # In a child process, as a worker does: gunicorn's own settings read the file (a hook it does not
    # know by that name would be dropped without a word), the application is loaded, then the hook runs.
    run = (
        "import gc, runpy; from gunicorn.config import Config; "
        f"settings = runpy.run_path({config!r}); config = Config(); "
        "[config.set(k, v) for k, v in settings.items() if k in config.settings]; "
        "import wsgi; config.post_worker_init(None); "
        "print(gc.get_freeze_count() > 50_000, any(o is wsgi.app for o in gc.get_objects()), "
        "gc.get_threshold()[0])"
    )
    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.startswith("EOFFICE_")}
    result = subprocess.run(
        [sys.executable, "-c", run],
        cwd=root,
        env=env | {"EOFFICE_INSTANCE_PATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # Frozen: the application is no longer among the objects a collection scans.
    assert result.stdout.split() == ["True", "False", thresholds]
