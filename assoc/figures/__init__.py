"""Figure makers: one function per figure kind, ``kind(table, **options) -> Figure``.

``table`` is a sweep table (list of row dicts, see :func:`assoc.sweep.load_table`). Theory
curves come from :mod:`assoc.theory` and are drawn over the simulations wherever theory
exists. A sweep spec names its figure in ``[figure] kind = "..."``; the other keys of that
table are the function's options.

Registry: every kind is registered with ``@figure_kind("name")`` in :data:`FIGURES`
(``{name: FigureKind}``: the function, the table columns it reads, the first sentence of
its docstring). :func:`get_figure` looks a kind up by name and :func:`check_figure_args`
validates a ``[figure]`` table against the function's signature; :func:`assoc.sweep.load_spec`
checks it (:func:`check_figure_options`, from the source, without importing matplotlib), so a
bad kind or option fails before a sweep runs. Every kind is also an attribute of this package
(``assoc.figures.capacity_curve``); a figure module is imported when one of its names is
first used, and ``assoc.figures.FIGURES`` imports them all.

Modules, by subject: :mod:`.hopfield`, :mod:`.forgetting`, :mod:`.dense`, :mod:`.sdr`,
:mod:`.spiking`, :mod:`.mqar`, :mod:`.agents`, and the cross-family figures in :mod:`.families`; shared helpers in :mod:`._common`.
"""

from __future__ import annotations

import importlib

from . import _registry
from ._registry import (
    COLUMN_OPTIONS,
    FigureKind,
    check_figure_args,
    check_figure_options,
    figure_kind,
    get_figure,
    load_all,
    public_functions,
    signatures,
)


def __getattr__(name: str):
    """Import a figure module when one of its functions (or the module) is first used;
    ``FIGURES`` is the registry with every kind of the package imported."""
    if name == "FIGURES":
        load_all()
        globals()["FIGURES"] = _registry.FIGURES
        return _registry.FIGURES
    module = public_functions().get(name)
    if module is None and name in {m.rsplit(".", 1)[1] for m in public_functions().values()}:
        return importlib.import_module(f"{__name__}.{name}")
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(public_functions()) | {"FIGURES"})


__all__ = [
    "COLUMN_OPTIONS", "FIGURES", "FigureKind", "check_figure_args", "check_figure_options", "figure_kind",
    "get_figure", "load_all", "signatures", "mqar_capacity",
    "agent_learning_curves",
    "dense_capacity_scaling", "dense_exponential_capacity", "dense_hebbian_learning", "dense_hebbian_phase",
    "dense_phase_diagram", "modern_hopfield_regimes", "multitask_magnetizations",
    "family_capacity", "family_fragments", "family_interference",
    "forgetting_curves",
    "ags_phase_diagram", "basins_map", "capacity_curve", "finite_size_capacity", "interference_snr",
    "rules_comparison",
    "mqar_recall",
    "sdm_recall", "segment_false_match", "sparsey_capacity", "sparsey_similarity", "willshaw_capacity",
    "willshaw_shared_interference",
    "ca3_cam_raster", "ca3_cam_recall", "ca3_capacity", "ca3_completion", "ca3_forgetting",
]
