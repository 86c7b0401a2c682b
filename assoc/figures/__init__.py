"""Figure makers: one function per figure kind, ``kind(table, **options) -> Figure``.

``table`` is a sweep table (list of row dicts, see :func:`assoc.sweep.load_table`). Theory
curves come from :mod:`assoc.theory` and are drawn over the simulations wherever theory
exists. A sweep spec names its figure in ``[figure] kind = "..."``; the other keys of that
table are the function's options.

Registry: every kind is registered with ``@figure_kind("name")`` in :data:`FIGURES`
(``{name: FigureKind}``: the function, the table columns it reads, the first sentence of
its docstring). :func:`get_figure` looks a kind up by name and :func:`check_figure_args`
validates a ``[figure]`` table against the function's signature; :func:`assoc.sweep.load_spec`
calls it, so a bad kind or option fails before a sweep runs. Every kind is also an attribute
of this package (``assoc.figures.capacity_curve``).

Modules, by subject: :mod:`.hopfield`, :mod:`.forgetting`, :mod:`.dense`, :mod:`.sdr`,
:mod:`.spiking`, :mod:`.mqar`, :mod:`.agents`, and the cross-family figures in :mod:`.families`; shared helpers in :mod:`._common`.
"""

from __future__ import annotations

from ._registry import FIGURES, FigureKind, check_figure_args, figure_kind, get_figure
from .agents import agent_learning_curves
from .dense import (
    dense_capacity_scaling,
    dense_exponential_capacity,
    dense_hebbian_learning,
    dense_hebbian_phase,
    dense_phase_diagram,
    modern_hopfield_regimes,
    multitask_magnetizations,
)
from .families import family_capacity, family_fragments, family_interference
from .forgetting import forgetting_curves
from .hopfield import (
    ags_phase_diagram,
    basins_map,
    capacity_curve,
    finite_size_capacity,
    interference_snr,
    rules_comparison,
)
from .mqar import mqar_capacity, mqar_recall
from .sdr import (
    sdm_recall,
    segment_false_match,
    sparsey_capacity,
    sparsey_similarity,
    willshaw_capacity,
    willshaw_shared_interference,
)
from .spiking import ca3_cam_raster, ca3_cam_recall, ca3_capacity, ca3_completion, ca3_forgetting

__all__ = [
    "FIGURES", "FigureKind", "check_figure_args", "figure_kind", "get_figure", "mqar_capacity",
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
