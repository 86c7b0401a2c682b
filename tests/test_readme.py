"""The README's Library section runs as written.

Every ```python block of the section is executed, in order, in one namespace (a later block may
use the names of an earlier one), from a scratch directory; then the results the text promises
are checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def section(text: str, title: str) -> str:
    """The body of the level-2 section ``title`` (up to the next level-2 heading)."""
    match = re.search(rf"^## {re.escape(title)}[ \t]*\n(.*?)(?=^## |\Z)", text, flags=re.S | re.M)
    if match is None:
        raise AssertionError(f"README.md has no '## {title}' section")
    return match.group(1)


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python[ \t]*\n(.*?)^```[ \t]*$", text, flags=re.S | re.M)


def test_python_blocks_are_found_in_a_section():
    text = "## Library\n\nintro\n\n```python\nx = 1\n```\n\n```bash\nls\n```\n\n```python\ny = x\n```\n## Next\n```python\nz\n```\n"
    assert python_blocks(section(text, "Library")) == ["x = 1\n", "y = x\n"]
    with pytest.raises(AssertionError, match="no '## Missing' section"):
        section(text, "Missing")


def test_the_library_section_runs_as_written(tmp_path, monkeypatch):
    blocks = python_blocks(section(README.read_text(encoding="utf-8"), "Library"))
    assert blocks, "the Library section of README.md has no ```python block"
    monkeypatch.chdir(tmp_path)  # whatever a block writes lands here
    namespace: dict = {"__name__": "readme_library"}
    for i, block in enumerate(blocks):
        exec(compile(block, f"README.md, Library section, python block {i + 1}", "exec"), namespace)
    assert list(tmp_path.iterdir()) == []  # the example writes no files

    # what the comments of the example promise
    out, xi = namespace["out"], namespace["xi"]
    assert np.asarray(out.states).shape == (10, xi.shape[1])
    assert (np.asarray(out.overlaps).max(axis=1) > 0.95).all()  # 10 % flipped cues, load 0.1: retrieved
    recalled, scores = namespace["recalled"], namespace["scores"]
    assert recalled.shape == (5, 8) and scores.shape == (5,)
    assert np.array_equal(recalled, namespace["values"])
    value, score = namespace["value"], namespace["score"]
    assert value.shape == (8,) and np.ndim(score) == 0 and np.array_equal(value, namespace["values"][0])
