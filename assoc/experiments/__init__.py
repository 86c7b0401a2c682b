"""Simulation drivers: one plain function per measurement.

A driver is a function ``(params: dict, seed: numpy.random.SeedSequence) -> dict`` of
numbers. It never prints, never writes files and never knows which executor runs it: the
sweep (:mod:`assoc.sweep`) owns all I/O. Each driver declares the parameters it accepts with
their defaults, so a spec with a misspelt key fails before anything runs::

    @driver("capacity", defaults={"n": 1000, "alpha": 0.1})
    def capacity(params, seed):
        ...
        return {"m_mean": 0.97}

``DRIVERS`` maps names to :class:`Driver` objects. ``get_driver(name)`` imports only the
module that defines ``name`` (found by reading the sources of ``MODULES``), so checking a spec
does not pay for the imports of every measurement; ``list_drivers()`` imports them all.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

#: Modules (under assoc.experiments) that register drivers when imported.
MODULES = ["measurements", "sdr", "spiking", "mqar", "dense", "phase", "dense_phase", "sparse_interference"]


@dataclass(frozen=True)
class Driver:
    """A registered driver: its function, parameters (defaults) and documentation.

    ``params`` holds the declarations (:class:`assoc.params.Param`) where the driver gives
    them; then every value is checked when a spec is loaded. A driver with
    ``family_params`` also takes the declared parameters of the family named by its
    ``family`` parameter (``rule=``, ``degree=``, ...), checked against the registry.
    """

    name: str
    func: Callable[[dict, np.random.SeedSequence], dict]
    defaults: dict
    doc: str
    params: dict = field(default_factory=dict)
    family_params: bool = False
    columns: tuple = ()
    check: Callable[[dict], None] | None = None

    def resolve(self, params: dict) -> dict:
        """Defaults overlaid with ``params``, each value checked where declared.

        Unknown keys raise ``ValueError`` naming them, with a suggestion and the allowed ones.
        """
        from ..params import check_known, validate

        own = {k: v for k, v in params.items() if k in self.defaults}
        rest = {k: v for k, v in params.items() if k not in self.defaults}
        if self.params:
            out = validate(self.params, own, what=f"parameter(s) of driver {self.name!r}")
        else:
            out = dict(self.defaults)
            out.update(own)
        if self.family_params:
            from ..registry import get_family

            fam = get_family(out["family"])
            allowed = sorted(set(self.defaults) | set(fam.params))
            check_known(f"parameter(s) for driver {self.name!r} with family {fam.name!r}", rest, allowed)
            out.update(fam.check_params(rest, fill=False))
        elif rest:
            check_known(f"parameter(s) for driver {self.name!r}", rest, self.defaults)
        if self.check is not None:
            self.check(out)
        return out

    def __call__(self, params: dict, seed: Any) -> dict:
        return self.func(self.resolve(params), seed)

    @property
    def summary(self) -> str:
        """The first sentence of the driver's documentation, on one line."""
        import re

        text = " ".join(self.doc.split("\n\n")[0].split())
        return re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]

    @property
    def module(self) -> str:
        """The module that defines the driver's function."""
        return self.func.__module__


DRIVERS: dict[str, Driver] = {}


def driver(name: str, *, defaults: dict | None = None, params: tuple = (), family_params: bool = False,
           columns: tuple = (), check: Callable[[dict], None] | None = None) -> Callable:
    """Register ``func`` as the driver ``name``.

    Give either ``defaults`` (name -> default) or ``params`` (:class:`assoc.params.Param`
    declarations, checked when a spec is loaded). ``family_params``: the driver also takes
    the declared parameters of its ``family``. ``columns`` names the metrics it returns;
    ``check(params)`` checks a resolved point as a whole (combinations of values), so that a
    spec fails when it is loaded rather than in a worker.
    """
    declared = {p.name: p for p in params}
    if declared:
        defaults = {k: p.default for k, p in declared.items()}
    if defaults is None:
        raise ValueError(f"driver {name!r} needs defaults or params")

    def wrap(func: Callable) -> Callable:
        DRIVERS[name] = Driver(name, func, dict(defaults), (func.__doc__ or "").strip(), declared,
                               family_params, tuple(columns), check)
        return func

    return wrap


def _load_all() -> None:
    for mod in MODULES:
        importlib.import_module(f"{__name__}.{mod}")


_SOURCE_INDEX: dict[str, str] | None = None


def source_index() -> dict[str, str]:
    """``{driver name: module}`` read from the sources of ``MODULES`` without importing them:
    every function decorated with ``@driver("name", ...)``."""
    global _SOURCE_INDEX
    if _SOURCE_INDEX is None:
        from pathlib import Path

        index: dict[str, str] = {}
        here = Path(__file__).resolve().parent
        for mod in MODULES:
            try:
                tree = ast.parse((here / f"{mod}.py").read_text(encoding="utf-8"))
            except (OSError, SyntaxError):
                continue  # imported (and reported) by _load_all when a name is not found
            for node in ast.walk(tree):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for dec in node.decorator_list:
                    if (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Name) and dec.func.id == "driver"
                            and dec.args and isinstance(dec.args[0], ast.Constant)
                            and isinstance(dec.args[0].value, str)):
                        index.setdefault(dec.args[0].value, mod)
        _SOURCE_INDEX = index
    return _SOURCE_INDEX


def get_driver(name: str) -> Driver:
    """The driver registered as ``name`` (ValueError naming the known drivers otherwise)."""
    if not isinstance(name, str):
        raise TypeError(f"driver must be a string, got {name!r}")
    if name not in DRIVERS and name in source_index():
        importlib.import_module(f"{__name__}.{source_index()[name]}")
    if name not in DRIVERS:
        _load_all()
    if name not in DRIVERS:
        from ..params import suggest

        raise ValueError(f"driver must be one of {sorted(DRIVERS)}, got {name!r}{suggest(name, DRIVERS)}")
    return DRIVERS[name]


def list_drivers() -> dict[str, Driver]:
    _load_all()
    return dict(sorted(DRIVERS.items()))
