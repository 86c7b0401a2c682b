"""Sphinx extension of the assoc documentation.

Reference pages generated from the code when the documentation is built:

``.. assoc-drivers::``
    every simulation driver of :mod:`assoc.experiments`: its docstring, the table of its
    declared parameters (:class:`assoc.params.Param`: default, allowed values, meaning), its
    output columns, and the bundled specs and figure kinds that use it.
``.. assoc-families::``
    every memory family of :mod:`assoc.registry`: class, alphabet, mode, load scale,
    synapse count, parameters and the measurements it refuses.
``.. assoc-figure-kinds::``
    every figure kind of :mod:`assoc.figures`: summary, options (from the function's
    signature) and the table columns it reads.
``.. assoc-specs::``
    every bundled sweep spec (``sims/*.toml``): driver, model, grid, figure and the command
    that runs it.
``.. assoc-models::``
    every bundled model preset (``models/*.toml``): family, parameters, reference.

Docstrings are also normalised for reStructuredText before autodoc renders them (the
plain-text conventions of the code base are kept in the source):

- an aligned list, a line starting with a literal name followed by two or more spaces and
  its description (continuation lines indented under the description), becomes a
  definition list;
- ``|x|`` written for an absolute value or a cardinality (outside inline literals) is
  escaped, so that it is not read as a substitution reference.
"""

from __future__ import annotations

import inspect
import json
import re
import tomllib
from collections import defaultdict
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- docstrings

#: A line of an aligned list: indent, a term made of inline literals (``a``, ``b``), two or
#: more spaces, the description.
_ALIGNED = re.compile(r"^(?P<indent>\s*)(?P<term>``[^`]+``(?:,\s*``[^`]+``)*)(?P<gap>\s{2,})(?P<text>\S.*)$")
_LITERAL = re.compile(r"(``.+?``)")
_BARS = re.compile(r"(?<![\\|\w])\|(?=[^\s|])([^|`]*?[^\s|\\])\|(?![\w|])")


def _escape_bars(line: str) -> str:
    """``|x|`` outside inline literals escaped (an absolute value, not a substitution)."""
    parts = _LITERAL.split(line)
    for i in range(0, len(parts), 2):
        parts[i] = _BARS.sub(r"\\|\1|", parts[i])
    return "".join(parts)


def normalise_docstring(lines: list[str]) -> list[str]:
    """Aligned lists as definition lists and escaped ``|x|``; returns the new lines."""
    out: list[str] = []
    i = 0
    in_literal_block = False
    literal_indent = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if in_literal_block:
            if stripped and indent <= literal_indent:
                in_literal_block = False
            else:
                out.append(line)
                i += 1
                continue
        if stripped.endswith("::") or stripped.startswith(">>>"):
            in_literal_block = stripped.endswith("::")
            literal_indent = indent
            out.append(line if stripped.startswith(">>>") else _escape_bars(line))
            i += 1
            continue
        m = _ALIGNED.match(line)
        if m is None:
            out.append(_escape_bars(line))
            i += 1
            continue
        # An aligned list item: the term, then its description and continuation lines.
        base = m["indent"]
        text_col = len(base) + len(m["term"]) + len(m["gap"])
        if out and out[-1].strip():
            out.append("")
        out.append(base + m["term"])
        out.append(base + "    " + _escape_bars(m["text"]))
        i += 1
        while i < len(lines):
            nxt = lines[i]
            nind = len(nxt) - len(nxt.lstrip())
            if not nxt.strip() or _ALIGNED.match(nxt) or nind <= len(base):
                break
            extra = " " * max(0, nind - text_col)
            out.append(base + "    " + extra + _escape_bars(nxt.strip()))
            i += 1
        if i < len(lines) and lines[i].strip() and not _ALIGNED.match(lines[i]):
            out.append("")
    return out


def _process_docstring(app, what, name, obj, options, lines):
    lines[:] = normalise_docstring(lines)


def _skip_member(app, what, name, obj, skip, options):
    """Skip a class attribute holding a function of another package (a dataclass field's
    default such as ``numpy.asarray``): it is a value, not a method of the class."""
    if what == "class" and (inspect.isbuiltin(obj) or inspect.isfunction(obj)):
        if not (getattr(obj, "__module__", None) or "").startswith("assoc"):
            return True
    return None


# --------------------------------------------------------------------------- node helpers


def _para(*parts) -> nodes.paragraph:
    """A paragraph from strings (plain text) and nodes."""
    p = nodes.paragraph()
    for part in parts:
        p += nodes.Text(part) if isinstance(part, str) else part
    return p


def _lit(text) -> nodes.literal:
    return nodes.literal(text=str(text))


def _table(header: list[str], rows: list[list], widths: list[int]) -> nodes.table:
    """A table; each cell is a string (plain text), a node, or a list of those."""
    table = nodes.table(classes=["assoc-table"])
    group = nodes.tgroup(cols=len(header))
    table += group
    for w in widths:
        group += nodes.colspec(colwidth=w)
    head = nodes.thead()
    group += head
    head += _row(header)
    body = nodes.tbody()
    group += body
    for r in rows:
        body += _row(r)
    return table


def _row(cells) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        parts = cell if isinstance(cell, list) else [cell]
        entry += _para(*parts)
        row += entry
    return row


def _literals(names) -> list:
    """Inline literals separated by commas."""
    out: list = []
    for i, name in enumerate(names):
        if i:
            out.append(", ")
        out.append(_lit(name))
    return out


def _section(directive: SphinxDirective, title: str, target: str) -> nodes.section:
    sec = nodes.section(ids=[target], names=[target])
    sec += nodes.title(text=title)
    directive.env.get_domain("std").note_hyperlink_target(target, directive.env.docname, target, title)
    return sec


def _rst(directive: SphinxDirective, text: str, source: str) -> list[nodes.Node]:
    """Parse reStructuredText (a docstring) into nodes, titles allowed."""
    container = nodes.container()
    lines = normalise_docstring(inspect.cleandoc(text).splitlines())
    nested_parse_with_titles(directive.state, StringList(lines, source=source), container)
    return container.children


def _ref(directive: SphinxDirective, target: str, text: str, kind: str = "ref") -> nodes.Node:
    """A reference to a label (``kind="ref"``) or a page (``kind="doc"``) of these pages."""
    from sphinx.addnodes import pending_xref

    node = pending_xref("", refdomain="std", reftype=kind, reftarget=target, refexplicit=True,
                        refwarn=True, refdoc=directive.env.docname)
    node += nodes.inline(text=text)
    return node


def _pyref(directive: SphinxDirective, kind: str, target: str) -> nodes.Node:
    """A reference to a Python object of the API reference."""
    from sphinx.addnodes import pending_xref

    node = pending_xref("", refdomain="py", reftype=kind, reftarget=target, refexplicit=False,
                        refwarn=True, refdoc=directive.env.docname)
    node += nodes.literal(text=target, classes=["xref", "py", f"py-{kind}"])
    return node


# --------------------------------------------------------------------------- data


def bundled_specs() -> dict[str, dict]:
    """``{name: table}`` of the bundled sweep specs, read from ``sims/*.toml``."""
    from assoc.sweep import bundled

    out = {}
    for name, path in bundled("sims").items():
        with open(path, "rb") as fh:
            out[name] = tomllib.load(fh)
    return out


def _spec_uses() -> tuple[dict, dict, dict]:
    """Specs by driver, figure kinds by driver and specs by figure kind."""
    specs_by_driver, kinds_by_driver, specs_by_kind = defaultdict(list), defaultdict(set), defaultdict(list)
    for name, data in bundled_specs().items():
        kind = data.get("figure", {}).get("kind")
        specs_by_driver[data.get("driver")].append(name)
        if kind:
            kinds_by_driver[data.get("driver")].add(kind)
            specs_by_kind[kind].append(name)
    return specs_by_driver, kinds_by_driver, specs_by_kind


def _toml(value) -> str:
    """A value as it is written in a TOML spec (None, which TOML lacks, as ``none``)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return repr(value)


def _param_rows(rows) -> list[list]:
    return [[_lit(name), _lit(_toml(default)), allowed, doc] for name, default, allowed, doc in rows]


# --------------------------------------------------------------------------- directives


class DriversDirective(SphinxDirective):
    """Every driver of :mod:`assoc.experiments`, one section each."""

    has_content = False

    def run(self):
        from assoc.experiments import list_drivers
        from assoc.params import table

        specs_by_driver, kinds_by_driver, _ = _spec_uses()
        out = []
        for name, drv in list_drivers().items():
            sec = _section(self, name, f"driver-{name}")
            func = f"{drv.func.__module__}.{drv.func.__qualname__}"
            sec += _para("Function ", _pyref(self, "func", func), "; in a spec: ", _lit(f'driver = "{name}"'), ".")
            sec.extend(_rst(self, drv.doc, f"{func} docstring"))
            if drv.params:
                rows = table(drv.params)
            else:
                rows = [(k, v, type(v).__name__, "") for k, v in drv.defaults.items()]
            sec += _table(["parameter", "default", "allowed", "meaning"], _param_rows(rows), [14, 10, 22, 54])
            if drv.family_params:
                sec += _para("It also takes every parameter of the family named by ", _lit("family"),
                             " (", _ref(self, "/reference/families", "memory families", "doc"), "), checked against the registry.")
            if drv.columns:
                note = [" A name with ", _lit("<...>"), " stands for a family of columns."] \
                    if any("<" in c for c in drv.columns) else []
                sec += _para("Output columns (one row per point and trial): ", *_literals(drv.columns), ".", *note)
            specs = specs_by_driver.get(name, [])
            if specs:
                parts: list = ["Bundled specs: "]
                for i, s in enumerate(specs):
                    parts += ([", "] if i else []) + [_ref(self, f"spec-{s}", s)]
                kinds = sorted(kinds_by_driver.get(name, ()))
                if kinds:
                    parts.append("; figure kinds drawn from its tables: ")
                    for i, k in enumerate(kinds):
                        parts += ([", "] if i else []) + [_ref(self, f"figure-{k}", k)]
                parts.append(".")
                sec += _para(*parts)
            out.append(sec)
        return out


class FamiliesDirective(SphinxDirective):
    """Every family of :mod:`assoc.registry`, one section each."""

    has_content = False

    def run(self):
        from assoc.registry import MEASUREMENTS, families

        out = []
        summary_rows = []
        for fam in families().values():
            d = fam.describe()
            takes = [m for m in MEASUREMENTS if m not in fam.refuses]
            summary_rows.append([_ref(self, f"family-{fam.name}", fam.name), _lit(d["class"]), d["alphabet"],
                                 d["mode"], _literals(takes) if takes else "studies only"])
        out.append(_table(["family", "class", "alphabet", "mode", "measurements"], summary_rows, [16, 24, 10, 8, 42]))
        for fam in families().values():
            d = fam.describe()
            sec = _section(self, fam.name, f"family-{fam.name}")
            target = fam.target if isinstance(fam.target, str) else f"{fam.target.__module__}:{fam.target.__qualname__}"
            sec += _para(d["description"][:1].upper() + d["description"][1:] + ".")
            sec += _para("Class ", _pyref(self, "class", target.replace(":", ".")), " (also ",
                         _lit(f"assoc.{d['class']}"), "); alphabet ", _lit(d["alphabet"]), ", mode ",
                         _lit(d["mode"]), ".")
            sec += _para("Load 1 means ", d["load"], "; synapses: ", d["synapses"], ".")
            if d["cite"]:
                sec += _para("References: ", d["cite"], ".")
            if d["params"]:
                sec += _table(["parameter", "default", "allowed", "meaning"], _param_rows(d["params"]),
                              [14, 10, 22, 54])
            for m, why in d["refuses"].items():
                sec += _para("Refuses ", _lit(m), ": ", why)
            out.append(sec)
        return out


class FigureKindsDirective(SphinxDirective):
    """Every figure kind of :mod:`assoc.figures`, one section each."""

    has_content = False

    def run(self):
        from assoc.figures import FIGURES

        _, _, specs_by_kind = _spec_uses()
        out = []
        for name in sorted(FIGURES):
            kind = FIGURES[name]
            func = f"{kind.function.__module__}.{kind.function.__qualname__}"
            sec = _section(self, name, f"figure-{name}")
            sec.extend(_rst(self, kind.summary, f"{func} docstring"))
            sec += _para("Function ", _pyref(self, "func", func), "; in a spec: ", _lit(f'kind = "{name}"'),
                         " in the ", _lit("[figure]"), " table.")
            rows = []
            for opt, p in kind.options().items():
                default = "(required)" if p.default is inspect.Parameter.empty else _toml(p.default)
                rows.append([_lit(opt), _lit(default) if default != "(required)" else default])
            if rows:
                sec += _table(["option", "default"], rows, [30, 70])
            if kind.accepts_any_option():
                sec += _para("Further options are passed on unchecked.")
            if kind.columns:
                sec += _para("Table columns read: ", *_literals(kind.columns), ".")
            specs = specs_by_kind.get(name, [])
            if specs:
                parts: list = ["Bundled specs: "]
                for i, s in enumerate(specs):
                    parts += ([", "] if i else []) + [_ref(self, f"spec-{s}", s)]
                sec += _para(*parts, ".")
            out.append(sec)
        return out


class SpecsDirective(SphinxDirective):
    """Every bundled spec of ``sims/``: one table row each."""

    has_content = False
    def run(self):
        out = []
        for name, data in bundled_specs().items():
            sec = _section(self, name, f"spec-{name}")
            if data.get("description"):
                sec += _para(data["description"][:1].upper() + data["description"][1:] + ".")
            rows = [["command", _lit(f"assoc run {name}")],
                    ["driver", _ref(self, f"driver-{data['driver']}", data["driver"])]]
            if data.get("model"):
                rows.append(["model", _lit(data["model"])])
            rows.append(["seed, trials", f"{data.get('seed', 0)}, {data.get('trials', 1)}"])
            if data.get("params"):
                rows.append(["params", _literals(f"{k} = {_toml(v)}" for k, v in data["params"].items())])
            if data.get("grid"):
                rows.append(["grid", _literals(f"{k} = {_axis(v)}" for k, v in data["grid"].items())])
            fig = data.get("figure", {})
            if fig.get("kind"):
                opts = [f"{k} = {_toml(v)}" for k, v in fig.items() if k != "kind"]
                rows.append(["figure", [_ref(self, f"figure-{fig['kind']}", fig["kind"])]
                             + ([" ("] + _literals(opts) + [")"] if opts else [])])
            if data.get("gallery"):
                rows.append(["gallery", [_lit(f"figures/{data['gallery']}"), "; ",
                                         _lit(f"assoc figures --only {name}")]])
            if data.get("quick"):
                rows.append(["quick", _literals(f"{k} = {_axis(v)}" for k, v in _flat(data["quick"]).items())])
            sec += _table(["key", "value"], rows, [16, 84])
            out.append(sec)
        return out


class ModelsDirective(SphinxDirective):
    """Every bundled model preset of ``models/``: one table row each."""

    has_content = False

    def run(self):
        from assoc.sweep import bundled

        rows = []
        for name, path in bundled("models").items():
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
            params = _literals(f"{k} = {_toml(v)}" for k, v in data.get("params", {}).items())
            rows.append([_lit(name), _ref(self, f"family-{data['family']}", data["family"]),
                         [data.get("description", "")] + (["; "] + params if params else []),
                         data.get("cite", "")])
        return [_table(["preset", "family", "description and parameters", "reference"], rows, [16, 12, 48, 24])]


def _axis(value) -> str:
    if isinstance(value, dict) and {"start", "stop", "num"} <= set(value):
        extra = "".join(f", {k}" for k in ("log", "integer") if value.get(k))
        return f"{value['start']} .. {value['stop']} ({value['num']} values{extra})"
    return _toml(value)


def _flat(table: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in table.items():
        if isinstance(v, dict) and not ({"start", "stop", "num"} <= set(v)):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _cache_numpydoc_template() -> None:
    """Compile numpydoc's docstring template once per build instead of once per object.

    numpydoc builds a new Jinja environment and compiles its template for every docstring and
    every signature it processes, which is about a third of this site's build time. The
    replacement keeps one compiled template per builder and is otherwise numpydoc's own
    function; if numpydoc's internals differ from what it expects, numpydoc is left as it is.
    """
    try:
        from numpydoc import docscrape_sphinx as nds
        from numpydoc import numpydoc as npd
    except ImportError:
        return
    needed = ("get_doc_object_orig", "SphinxClassDoc", "SphinxFunctionDoc", "SphinxObjDoc",
              "BuiltinTemplateLoader", "FileSystemLoader", "SandboxedEnvironment")
    if not all(hasattr(nds, name) for name in needed) or not hasattr(npd, "get_doc_object"):
        return
    templates: dict = {}
    template_dirs = [str(Path(nds.__file__).parent / "templates")]

    def get_doc_object(obj, what=None, doc=None, config=None, builder=None):
        config = {} if config is None else config
        key = id(builder)
        if key not in templates:
            if builder is not None:
                loader = nds.BuiltinTemplateLoader()
                loader.init(builder, dirs=template_dirs)
            else:
                loader = nds.FileSystemLoader(template_dirs)
            templates[key] = nds.SandboxedEnvironment(loader=loader).get_template("numpydoc_docstring.rst")
        config["template"] = templates[key]
        return nds.get_doc_object_orig(obj, what=what, doc=doc, config=config, class_doc=nds.SphinxClassDoc,
                                       func_doc=nds.SphinxFunctionDoc, obj_doc=nds.SphinxObjDoc)

    npd.get_doc_object = get_doc_object


def setup(app):
    _cache_numpydoc_template()
    app.connect("autodoc-process-docstring", _process_docstring)
    app.connect("autodoc-skip-member", _skip_member)
    app.add_directive("assoc-drivers", DriversDirective)
    app.add_directive("assoc-families", FamiliesDirective)
    app.add_directive("assoc-figure-kinds", FigureKindsDirective)
    app.add_directive("assoc-specs", SpecsDirective)
    app.add_directive("assoc-models", ModelsDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
