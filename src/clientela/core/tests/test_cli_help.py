"""The installed `clientela` console script starts and explains itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


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
