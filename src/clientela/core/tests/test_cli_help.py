"""The installed `clientela` console script starts and explains itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def clientela_script() -> str:
    beside_python = Path(sys.executable).with_name("clientela")
    found = str(beside_python) if beside_python.exists() else shutil.which("clientela")
    assert found, "the clientela console script is not installed (run ./scripts/setup)"
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([clientela_script(), *args], capture_output=True, text=True, timeout=120, check=False)  # noqa: S603


def test_clientela_help_lists_the_commands() -> None:
    result = run("--help")

    assert result.returncode == 0, result.stderr
    for command in ("serve", "worker", "migrate", "demo", "analytics"):
        assert command in result.stdout


def test_clientela_analytics_help_lists_the_analysts_commands() -> None:
    result = run("analytics", "--help")

    assert result.returncode == 0, result.stderr
    assert "rfm" in result.stdout


def test_clientela_demo_help_explains_its_options() -> None:
    result = run("demo", "--help")

    assert result.returncode == 0, result.stderr
    for option in ("--force", "--seed", "--scale"):
        assert option in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("CLIENTELA_PHONE_REGION", "Hungary", "CLIENTELA_PHONE_REGION"),
        ("CLIENTELA_API_MAX_PAGE_SIZE", "lots", "CLIENTELA_API_MAX_PAGE_SIZE"),
        ("CLIENTELA_DEBUG", "true", "CLIENTELA_DEBUG must not be true when CLIENTELA_PRODUCTION=true"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(variable: str, value: str, named: str) -> None:
    environment = {**os.environ, variable: value}
    if variable == "CLIENTELA_DEBUG":
        environment.update(CLIENTELA_PRODUCTION="true", CLIENTELA_SECRET_KEY="x" * 50)
    result = subprocess.run(  # noqa: S603
        [clientela_script(), "check"], capture_output=True, text=True, timeout=120, check=False, env=environment
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("clientela: ") and named in lines[0]
