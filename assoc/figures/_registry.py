"""The registry of figure kinds: ``FIGURES``, the ``@figure_kind`` decorator and the checks.

A figure kind is a function ``kind(table, **options) -> Figure``; ``@figure_kind("name")``
records it in :data:`FIGURES` with the table columns it reads and the first sentence of its
docstring. A spec's ``[figure]`` table names a kind and its options; :func:`check_figure_args`
validates both against the function's signature, so a misspelt kind or option fails when
the spec is loaded, before any point runs.
"""

from __future__ import annotations

import difflib
import inspect
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping


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
    para = (inspect.getdoc(function) or "").strip().split("\n\n")[0]
    text = " ".join(para.split())
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


def get_figure(kind: Any) -> FigureKind:
    """The registered figure kind ``kind``; ``ValueError`` naming the allowed kinds otherwise."""
    if isinstance(kind, str) and kind in FIGURES:
        return FIGURES[kind]
    allowed = sorted(FIGURES)
    raise ValueError(f"figure.kind must be one of {allowed}, got {kind!r}{_did_you_mean(kind, allowed)}")


def check_figure_args(kind: Any, kwargs: Mapping[str, Any]) -> FigureKind:
    """Check the options of a ``[figure]`` table (without ``kind``) against the signature of
    figure kind ``kind``; returns the kind. Raises ``ValueError`` naming an unknown kind, an
    unknown option or a missing required one, with the allowed names."""
    fig = get_figure(kind)
    if not isinstance(kwargs, Mapping):
        raise ValueError(f"the options of figure kind {kind!r} must be a table, got {kwargs!r}")
    options = fig.options()
    allowed = sorted(options)
    if not fig.accepts_any_option():
        for key in kwargs:
            if key not in options:
                raise ValueError(f"figure.{key} = {kwargs[key]!r} is not an option of figure kind {kind!r}; "
                                 f"allowed: {allowed}{_did_you_mean(key, allowed)}")
    missing = [name for name, p in options.items() if p.default is inspect.Parameter.empty and name not in kwargs]
    if missing:
        raise ValueError(f"figure kind {kind!r} needs the option(s) {missing} in the [figure] table; "
                         f"allowed: {allowed}")
    return fig
