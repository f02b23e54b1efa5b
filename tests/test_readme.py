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
