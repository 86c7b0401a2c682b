"""The registry of figure kinds: ``FIGURES``, the ``@figure_kind`` decorator and the checks.

A figure kind is a function ``kind(table, **options) -> Figure``; ``@figure_kind("name")``
records it in :data:`FIGURES` with the table columns it reads and the first sentence of its
docstring. A spec's ``[figure]`` table names a kind and its options; :func:`check_figure_args`
validates both against the function's signature, so a misspelt kind or option fails when
the spec is loaded, before any point runs.

The kinds of this package are also indexed from their source (:func:`signatures`), without
importing the figure modules (matplotlib, scipy): :func:`check_figure_options` checks a
``[figure]`` table in a fraction of a second, and ``assoc describe`` lists the kinds and their
options. Kinds registered elsewhere with ``@figure_kind`` are read from :data:`FIGURES`.
Options named in :data:`COLUMN_OPTIONS` (``x``, ``y``, ``by``, ...) name columns of the table.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

#: Options that name a column of the table (checked against the driver's columns by
#: :func:`assoc.sweep.load_spec`).
COLUMN_OPTIONS = ("x", "y", "by", "value", "success")

#: The value of a default that is not a literal in the source (computed when the module loads).
NOT_LITERAL = type("NotLiteral", (), {"__repr__": lambda self: "<computed>"})()


@dataclass(frozen=True)
class FigureKind:
    """One figure kind.

    ``columns`` are the table columns the figure reads with its default options (a name
    ending in ``*`` stands for a family of columns sharing that prefix); ``summary`` is the
    first sentence of the function's docstring, on one line.
    """

    name: str
    function: Callable[..., Any]
    columns: tuple[str, ...]
    summary: str

    def options(self) -> dict[str, inspect.Parameter]:
        """The keyword options of the function: every parameter after the table."""
        params = list(inspect.signature(self.function).parameters.values())[1:]
        return {p.name: p for p in params
                if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}

    def accepts_any_option(self) -> bool:
        """Whether the function takes ``**options`` (then every option name is accepted)."""
        return any(p.kind is inspect.Parameter.VAR_KEYWORD
                   for p in inspect.signature(self.function).parameters.values())

    def __call__(self, table, **options):
        return self.function(table, **options)


#: Every figure kind by name, filled by :func:`figure_kind`.
FIGURES: dict[str, FigureKind] = {}


def _summary(function: Callable) -> str:
    """The first sentence of the docstring's first paragraph, on one line."""
    return _first_sentence(inspect.getdoc(function) or "")


def _first_sentence(doc: str) -> str:
    text = " ".join(doc.strip().split("\n\n")[0].split())
    return re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]


def figure_kind(name: str, *, columns: tuple[str, ...] = ()) -> Callable[[Callable], Callable]:
    """Register the decorated function as the figure kind ``name`` (the function is returned
    unchanged). ``columns``: the table columns it reads with its default options."""
    if not isinstance(name, str) or not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"figure kind name must be a public Python identifier, got {name!r}")

    def register(function: Callable) -> Callable:
        if name in FIGURES:
            raise ValueError(f"figure kind {name!r} is already registered by "
                             f"{FIGURES[name].function.__module__}.{FIGURES[name].function.__qualname__}")
        if _INDEX is None:
            _read_sources()
        if name in _INDEX and _INDEX[name].module != function.__module__:  # a kind of this package, not yet imported
            raise ValueError(f"figure kind {name!r} is already registered by {_INDEX[name].module}.{name}")
        params = list(inspect.signature(function).parameters.values())
        if not params or params[0].kind not in (inspect.Parameter.POSITIONAL_ONLY,
                                                inspect.Parameter.POSITIONAL_OR_KEYWORD):
            raise ValueError(f"figure kind {name!r} must take the table as its first positional parameter")
        FIGURES[name] = FigureKind(name, function, tuple(columns), _summary(function))
        return function

    return register


def _did_you_mean(value: Any, allowed: list[str]) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, allowed, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


# --------------------------------------------------------------------------- source index


@dataclass(frozen=True)
class KindSignature:
    """What a spec needs to know of a figure kind, without importing it.

    ``options`` maps each keyword option to its default (``inspect.Parameter.empty`` when
    the option is required, :data:`NOT_LITERAL` when the default is computed); ``any_option``
    says whether the function takes ``**options``; ``module`` is where it is defined.
    """

    name: str
    module: str
    options: dict
    any_option: bool
    columns: tuple[str, ...]
    summary: str


def _figure_sources() -> list[Path]:
    """The modules of this package that define figure kinds (``_`` modules hold helpers only)."""
    here = Path(__file__).resolve().parent
    return sorted(p for p in here.glob("*.py") if not p.name.startswith("_"))


def _literal(node: ast.expr | None) -> Any:
    if node is None:
        return inspect.Parameter.empty
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return NOT_LITERAL


def _signature_from_source(node: ast.FunctionDef, name: str, module: str, columns: Any) -> KindSignature:
    args = node.args
    positional = args.posonlyargs + args.args
    defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    options = {a.arg: _literal(d) for a, d in list(zip(positional, defaults))[1:]}  # the first takes the table
    options.update({a.arg: _literal(d) for a, d in zip(args.kwonlyargs, args.kw_defaults)})
    cols = columns if isinstance(columns, tuple) and all(isinstance(c, str) for c in columns) else ()
    return KindSignature(name, module, options, args.kwarg is not None, cols,
                         _first_sentence(ast.get_docstring(node) or ""))


_INDEX: dict[str, KindSignature] | None = None
_PUBLIC: dict[str, str] | None = None


def _read_sources() -> None:
    global _INDEX, _PUBLIC
    index: dict[str, KindSignature] = {}
    public: dict[str, str] = {}
    for path in _figure_sources():
        module = f"{__package__}.{path.stem}"
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError):
            continue  # an unreadable module shows up when it is imported
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            public.setdefault(node.name, module)
            for dec in node.decorator_list:
                if (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Name) and dec.func.id == "figure_kind"
                        and dec.args and isinstance(dec.args[0], ast.Constant) and isinstance(dec.args[0].value, str)):
                    cols = next((_literal(k.value) for k in dec.keywords if k.arg == "columns"), ())
                    kind = dec.args[0].value
                    index.setdefault(kind, _signature_from_source(node, kind, module, cols))
    _INDEX, _PUBLIC = index, public


def public_functions() -> dict[str, str]:
    """``{function name: module}`` of the public functions of the figure modules (read from
    their source; the package imports a module when one of its names is first used)."""
    if _PUBLIC is None:
        _read_sources()
    return dict(_PUBLIC)


def _from_function(kind: FigureKind) -> KindSignature:
    options = {name: p.default for name, p in kind.options().items()}
    return KindSignature(kind.name, kind.function.__module__, options, kind.accepts_any_option(), kind.columns,
                         kind.summary)


def signatures() -> dict[str, KindSignature]:
    """Every figure kind, by name: the kinds of this package read from their source, and the
    kinds registered in :data:`FIGURES` (from their signature; these take precedence)."""
    if _INDEX is None:
        _read_sources()
    out = dict(_INDEX)
    out.update({name: _from_function(kind) for name, kind in FIGURES.items()})
    return dict(sorted(out.items()))


def load_all() -> None:
    """Import every figure module of this package (registering all its kinds)."""
    import pkgutil

    modules = set(public_functions().values())
    modules.update(f"{__package__}.{m.name}" for m in pkgutil.iter_modules([str(Path(__file__).resolve().parent)])
                   if not m.name.startswith("_"))
    for module in sorted(modules):
        importlib.import_module(module)


def get_figure(kind: Any) -> FigureKind:
    """The registered figure kind ``kind``; ``ValueError`` naming the allowed kinds otherwise."""
    if isinstance(kind, str) and kind not in FIGURES:
        sig = signatures().get(kind)
        if sig is not None:
            importlib.import_module(sig.module)
        if kind not in FIGURES:
            load_all()
    if isinstance(kind, str) and kind in FIGURES:
        return FIGURES[kind]
    allowed = sorted(signatures())
    raise ValueError(f"figure.kind must be one of {allowed}, got {kind!r}{_did_you_mean(kind, allowed)}")


def check_figure_options(kind: Any, kwargs: Mapping[str, Any]) -> KindSignature:
    """Check the options of a ``[figure]`` table (without ``kind``) against the signature of
    figure kind ``kind``, without importing the figure modules; returns its signature.

    Raises ``ValueError`` naming an unknown kind, an unknown option or a missing required
    one, with the allowed names and the nearest one.
    """
    kinds = signatures()
    if not _INDEX and not FIGURES:  # no sources to read (an install of compiled modules only): import them
        load_all()
        kinds = signatures()
    if not isinstance(kind, str) or kind not in kinds:
        allowed = sorted(kinds)
        raise ValueError(f"figure.kind must be one of {allowed}, got {kind!r}{_did_you_mean(kind, allowed)}")
    sig = kinds[kind]
    if not isinstance(kwargs, Mapping):
        raise ValueError(f"the options of figure kind {kind!r} must be a table, got {kwargs!r}")
    allowed = sorted(sig.options)
    if not sig.any_option:
        for key in kwargs:
            if key not in sig.options:
                raise ValueError(f"figure.{key} = {kwargs[key]!r} is not an option of figure kind {kind!r}; "
                                 f"allowed: {allowed}{_did_you_mean(key, allowed)}")
    missing = [name for name, default in sig.options.items()
               if default is inspect.Parameter.empty and name not in kwargs]
    if missing:
        raise ValueError(f"figure kind {kind!r} needs the option(s) {missing} in the [figure] table; "
                         f"allowed: {allowed}")
    return sig


def check_figure_args(kind: Any, kwargs: Mapping[str, Any]) -> FigureKind:
    """:func:`check_figure_options`, then the kind itself (its module is imported)."""
    check_figure_options(kind, kwargs)
    return get_figure(kind)


def column_options(kind: Any, kwargs: Mapping[str, Any]) -> dict[str, str]:
    """``{option: column}`` of the options in :data:`COLUMN_OPTIONS` that a ``[figure]`` table
    of kind ``kind`` sets or leaves at a default naming a column (string values only)."""
    sig = check_figure_options(kind, kwargs)
    out = {}
    for name in COLUMN_OPTIONS:
        if name not in sig.options:
            continue
        value = kwargs.get(name, sig.options[name])
        if isinstance(value, str):
            out[name] = value
    return out
