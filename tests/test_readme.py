"""The README's Python examples run (at fewer replications), so the docs cannot rot."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def _blocks() -> list[str]:
    text = README.read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    # Same code, fewer replications: the examples ask for 500-1,000.
    return [re.sub(r"reps=\d+", "reps=8", b) for b in blocks]


def test_readme_has_examples():
    assert len(_blocks()) >= 4


@pytest.mark.slow
def test_readme_examples_run():
    first, *others = _blocks()
    base: dict = {}
    exec(compile(first, str(README), "exec"), base)
    assert base["ds"]["cost"].notnull().any()
    for block in others:  # each section's example may use the first one's ft, model and ds
        exec(compile(block, str(README), "exec"), dict(base))


def _bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S)


def test_ci_runs_exactly_the_readme_test_command():
    """The set-up's second command is what CI runs, so the README's test command is tested."""
    test_command = next(b.strip() for b in _bash_blocks() if "pytest" in b)
    ci = (README.parent / ".ci" / "run").read_text().splitlines()
    assert test_command in ci
    # Everything the test command needs is installed by it: a browser script it calls exists.
    assert (README.parent / "tests" / "browser.sh").exists()


def test_main_job_reads_files_that_exist():
    main_job = _bash_blocks()[0]
    tomls = re.findall(r"sweeps/\S+\.toml", main_job)
    assert tomls and all((README.parent / t).exists() for t in tomls)
