"""The layer contracts (pyproject.toml, [tool.importlinter]) hold, and break when a
forbidden import is added: each case copies the package, adds one import that DESIGN.md
rule 10 forbids, and expects `lint-imports` to name the broken contract."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import clientela

PACKAGE = Path(clientela.__file__).resolve().parent
REPO = PACKAGE.parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(source_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(source_root)}
    return subprocess.run(  # noqa: S603 - our own tool on our own files
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(REPO / "pyproject.toml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=source_root,
        check=False,
        timeout=120,
    )


@pytest.fixture(scope="module")
def copy_of_the_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("src")
    shutil.copytree(PACKAGE, root / "clientela", ignore=shutil.ignore_patterns("__pycache__", "locale", "static"))
    return root


def test_the_layer_contracts_hold() -> None:
    result = lint_imports(REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("core/records.py", "from clientela.parties import models as _x", "Apps point one way"),
        ("accounts/queries.py", "from clientela.parties import queries as _x", "Apps point one way"),
        ("parties/queries.py", "from clientela.parties import views as _x", "Interface code"),
        ("parties/actions/records.py", "from clientela.parties import api as _x", "Interface code"),
        ("parties/normalize.py", "from clientela.parties import duplicates as _x", "No import circles"),
        ("analytics/rfm.py", "import django as _x", "Analytics is pure"),
    ],
)
def test_a_forbidden_import_breaks_its_contract(
    copy_of_the_package: Path, module: str, line: str, contract: str
) -> None:
    target = copy_of_the_package / "clientela" / module
    original = target.read_text()
    try:
        target.write_text(original + f"\n{line}  # noqa\n")
        result = lint_imports(copy_of_the_package)
    finally:
        target.write_text(original)
    assert result.returncode != 0, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout
