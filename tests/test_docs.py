"""The documentation: the Sphinx site builds without a single warning, and every example in
it (the docstrings of the package and the pages of the user guide) runs as a doctest.

The site is built into a temporary folder with ``sphinx-build -W --keep-going -b html``, as
``docs/index.rst`` tells a reader to. The examples run with the options and the globals of
Sphinx's doctest builder (``sphinx-build -b doctest docs OUT`` runs the same examples), so an
example passes here exactly when it passes there: each starts from ``import numpy as np``
alone and imports what it uses.
"""

from __future__ import annotations

import doctest
import importlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PACKAGE = ROOT / "assoc"

#: The option flags of sphinx.ext.doctest (its ``doctest_default_flags``).
FLAGS = doctest.ELLIPSIS | doctest.IGNORE_EXCEPTION_DETAIL | doctest.DONT_ACCEPT_TRUE_FOR_1


def _needs_sphinx() -> None:
    if not (DOCS / "conf.py").is_file():
        pytest.skip("the documentation sources (docs/) are not part of this tree")
    missing = []
    for mod in ("sphinx", "numpydoc", "myst_parser"):
        try:
            importlib.import_module(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        pytest.fail(f"the docs build needs {missing}: pip install '.[test]' (or '.[docs]')", pytrace=False)


def _modules_with_examples() -> list[str]:
    """Modules of the package whose source holds a ``>>>`` example (found without importing)."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>>" in path.read_text(encoding="utf-8"):
            rel = path.relative_to(ROOT).with_suffix("")
            parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
            out.append(".".join(parts))
    return out


def _pages_with_examples() -> list[str]:
    """Pages of the documentation (reStructuredText or Markdown) holding a ``>>>`` example."""
    pages = []
    if not DOCS.is_dir():
        return pages
    for path in sorted([*DOCS.rglob("*.rst"), *DOCS.rglob("*.md")]):
        rel = path.relative_to(DOCS)
        if rel.parts[0] in ("_build", "_templates") or rel.parts[:2] == ("api", "generated"):
            continue
        if ">>>" in path.read_text(encoding="utf-8"):
            pages.append(str(rel))
    return pages


def _run(tests: list[doctest.DocTest]) -> None:
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in tests:
        runner.run(test, out=_Report.write)
    failed, attempted = runner.summarize(verbose=False)
    assert attempted > 0, "no example found"
    assert failed == 0, "".join(_Report.take())


class _Report:
    """Collects the doctest runner's failure reports for the assertion message."""

    lines: list[str] = []

    @classmethod
    def write(cls, text: str) -> None:
        cls.lines.append(text)

    @classmethod
    def take(cls) -> list[str]:
        out, cls.lines = cls.lines, []
        return out


def test_docs_build_without_warnings(tmp_path):
    """``sphinx-build -W --keep-going -b html``: every page, the generated reference pages and
    the API reference of every module, with warnings as errors."""
    _needs_sphinx()
    env = dict(os.environ, MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-j", "auto", "-b", "html",
           "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=540)
    seconds = time.perf_counter() - t0
    log = proc.stdout + proc.stderr
    warnings = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL|SEVERE)\b", line)]
    assert proc.returncode == 0 and not warnings, (
        f"docs build failed (exit {proc.returncode}, {len(warnings)} warning(s)):\n" + "\n".join(warnings or [log[-4000:]])
    )
    html = tmp_path / "html"
    for page in ("index", "guide/capacity-sweeps", "guide/phase-diagrams", "guide/agents", "reference/specs",
                 "reference/drivers", "reference/families", "reference/figure-kinds", "gallery", "benchmarks",
                 "reliability", "architecture", "api", "api/generated/assoc.registry"):
        assert (html / f"{page}.html").is_file(), f"{page}.html missing from the built site"
    # the reference pages are generated from the registries: nothing registered is left out
    from assoc.experiments import list_drivers
    from assoc.figures import FIGURES
    from assoc.registry import families
    from assoc.sweep import bundled

    expected = {
        "reference/drivers": [f"driver-{name}" for name in list_drivers()],
        "reference/families": [f"family-{name}" for name in families()],
        "reference/figure-kinds": [f"figure-{name}" for name in FIGURES],
        "reference/specs": [f"spec-{name}" for name in bundled("sims")],
    }
    for page, ids in expected.items():
        text = (html / f"{page}.html").read_text(encoding="utf-8")
        missing = [i for i in ids if f'id="{i}"' not in text]
        assert not missing, f"{page} lacks sections {missing}"
    modules = {p.stem for p in (html / "api" / "generated").glob("assoc*.html")}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        if not any(part.startswith("_") for part in parts):
            assert ".".join(parts) in modules, f"no API page for {'.'.join(parts)}"
    # the gallery page shows every figure of figures/
    images = {p.name for p in (html / "_images").glob("*.png")}
    missing = sorted(p.name for p in (ROOT / "figures").glob("*.png") if p.name not in images)
    assert not missing, f"figures missing from the gallery page: {missing}"
    print(f"docs built in {seconds:.1f} s")


def test_normalised_docstrings_keep_their_text():
    """The docstring normaliser of the docs build only changes markup: aligned lists become
    definition lists and ``|x|`` is escaped; the words are kept."""
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        import assoc_docs
    finally:
        sys.path.remove(str(DOCS / "_ext"))
    lines = [
        "Rules",
        "",
        "``hebbian``         W = (1/n) sum_mu xi xi^T",
        "``storkey``         incremental local rule",
        "                    with the h_ij correction",
        "Mean |overlap| and ``|x|`` kept.",
    ]
    out = assoc_docs.normalise_docstring(lines)
    assert out == [
        "Rules",
        "",
        "``hebbian``",
        "    W = (1/n) sum_mu xi xi^T",
        "",
        "``storkey``",
        "    incremental local rule",
        "    with the h_ij correction",
        "",
        "Mean \\|overlap| and ``|x|`` kept.",
    ]


@pytest.mark.parametrize("module", _modules_with_examples())
def test_docstring_examples_run(module):
    """Every ``>>>`` example in the package's docstrings, as Sphinx's doctest builder runs it."""
    mod = importlib.import_module(module)
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = [t for t in finder.find(mod, module, globs={"np": importlib.import_module("numpy")}) if t.examples]
    _run(tests)


@pytest.mark.parametrize("page", _pages_with_examples())
def test_guide_examples_run(page):
    """Every ``>>>`` example of the documentation's own pages."""
    text = (DOCS / page).read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {"np": importlib.import_module("numpy")}, page, str(DOCS / page), 0)
    _run([test])


def _toml_examples() -> list[tuple[str, int]]:
    """``(page, index)`` of every ``.. code-block:: toml`` of the documentation's pages."""
    out = []
    if not DOCS.is_dir():
        return out
    for path in sorted(DOCS.rglob("*.rst")):
        rel = path.relative_to(DOCS)
        if rel.parts[0] in ("_build", "_templates") or rel.parts[:2] == ("api", "generated"):
            continue
        out += [(str(rel), i) for i in range(len(_TOML_BLOCK.findall(path.read_text(encoding="utf-8"))))]
    return out


_TOML_BLOCK = re.compile(r"^\.\. code-block:: toml\n\n((?:(?:   .*)?\n)+)", re.M)


@pytest.mark.parametrize(("page", "index"), _toml_examples())
def test_spec_examples_load(page, index):
    """Every spec written out in the documentation is a valid spec: it loads, every value checked."""
    import tomllib

    from assoc.sweep import load_spec

    block = _TOML_BLOCK.findall((DOCS / page).read_text(encoding="utf-8"))[index]
    spec = load_spec(tomllib.loads("\n".join(line[3:] for line in block.splitlines())))
    assert spec.n_points() >= 1
