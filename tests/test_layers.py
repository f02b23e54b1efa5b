"""The package layout of DESIGN.md section 5: one stage per folder, layers that only look down."""

import shutil
import subprocess
import sys
from pathlib import Path

import fasttwin

PACKAGE = Path(fasttwin.__file__).parent


def test_top_of_the_package_holds_only_its_init_and_metadata():
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "_version.py"]
    assert (PACKAGE / "py.typed").is_file()


def test_import_contracts_hold():
    """import-linter's contracts in pyproject.toml: layers, forbidden imports, no cycles."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe is not None, "import-linter is part of the test extras"
    done = subprocess.run(
        [exe], cwd=PACKAGE.parent, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout
