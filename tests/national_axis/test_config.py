"""The mock axis's settings, their documentation, and its independence from eoffice."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from national_axis.config import ConfigError, Settings, documented_settings

ROOT = Path(__file__).resolve().parents[2]


def test_settings_are_read_from_axis_variables():
    settings = Settings.from_env(
        {"AXIS_PORT": "9100", "AXIS_FAULT_RATE": "0.25", "AXIS_FAULT_SEED": "3", "EOFFICE_PORT": "1"}
    )
    assert (settings.port, settings.fault_rate, settings.fault_seed, settings.host) == (
        9100,
        0.25,
        3,
        "127.0.0.1",
    )


def test_unknown_and_malformed_settings_are_all_named():
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(
            {
                "AXIS_FAULTRATE": "1",
                "AXIS_FAULT_RATE": "1.5",
                "AXIS_DATABASE_URL": "mysql://x",
                "AXIS_ADMIN_TOKEN": "short",
            }
        )
    assert [problem.split(":")[0] for problem in raised.value.problems] == [
        "AXIS_ADMIN_TOKEN",
        "AXIS_DATABASE_URL",
        "AXIS_FAULTRATE",
        "AXIS_FAULT_RATE",
    ]
    with pytest.raises(ConfigError, match="together at most 1"):
        Settings.from_env({"AXIS_FAULT_RATE": "0.6", "AXIS_FAULT_HANG_RATE": "0.6"})


def test_the_readme_lists_every_axis_setting():
    readme = (ROOT / "README.md").read_text()
    for name, _default, _doc in documented_settings():
        assert f"| `{name}` |" in readme, name


def test_national_axis_imports_nothing_of_eoffice_or_meetings():
    for path in (ROOT / "national_axis").rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert module.split(".")[0] not in ("eoffice", "meetings", "tests"), (
                    f"{path}: imports {module}"
                )
