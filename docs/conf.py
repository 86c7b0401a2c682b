"""Sphinx configuration of the assoc documentation (``sphinx-build docs docs/_build/html``)."""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import importlib.util  # noqa: E402

import assoc  # noqa: E402


def _drop_stale_stubs(folder: Path) -> None:
    """Remove generated API pages of modules that no longer exist (a renamed or deleted
    module would otherwise leave a page that fails to import)."""
    for stub in folder.glob("assoc*.rst"):
        try:
            found = importlib.util.find_spec(stub.stem) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            stub.unlink()


_drop_stale_stubs(DOCS / "api" / "generated")

project = "assoc"
author = "the assoc authors"
copyright = "the assoc authors"
release = version = assoc.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.doctest",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "assoc_docs",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path = ["_templates"]

# API reference: one page per module, every module of the package found by walking it.
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc sections carry the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Markdown pages (the reports, the gallery, the architecture notes).
myst_heading_anchors = 3

# Doctests: the examples of the docstrings and of the guide run with ``-b doctest``.
doctest_global_setup = "import numpy as np"

html_theme = "alabaster"
html_title = f"assoc {release}"
html_static_path = []
