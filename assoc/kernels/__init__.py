"""Kernel table: the loops that cannot be written as array operations.

Every kernel has a reference twin written against the array module of its arguments
(:mod:`assoc.kernels.ref`, :mod:`assoc.kernels.ref_sdr`, :mod:`assoc.kernels.ref_dense`), and
may have compiled variants for some backends: Numba CPU kernels (:mod:`assoc.kernels.cpu`,
``cpu_sdr``, ``cpu_dense``) for ``numba`` and Numba-CUDA kernels (:mod:`assoc.kernels.gpu`,
launched on CuPy arrays) for ``cupy``. ``kernel(name, backend)`` returns the backend's compiled
variant if the table lists one, else the reference twin, so a backend registered with
:func:`assoc.backend.register_backend` runs every kernel at once. Families add rows here.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from ..backend import check_backend_name


@dataclass(frozen=True)
class KernelRow:
    """One kernel: its reference twin and its compiled variants, as ``"module:function"``."""

    reference: str
    compiled: dict[str, str] = field(default_factory=dict)  # backend name -> target


def _row(module: str, func: str, **compiled: str) -> KernelRow:
    return KernelRow(f"assoc.kernels.{module}:{func}",
                     {be: f"assoc.kernels.{mod}:{func}" for be, mod in compiled.items()})


# kernel name -> reference twin and the compiled variants that exist
TABLE: dict[str, KernelRow] = {
    # Hopfield networks (assoc.memories.hopfield, assoc.memories.cascade)
    "async_sweep_patterns": _row("ref", "async_sweep_patterns", numba="cpu", cupy="gpu"),
    "async_sweep_weights": _row("ref", "async_sweep_weights", numba="cpu", cupy="gpu"),
    "hebbian_counts_add": _row("ref", "hebbian_counts_add", numba="cpu_counts"),
    "quiet_cues": _row("ref", "quiet_cues", numba="cpu"),
    "random_orders": _row("ref", "random_orders", numba="cpu"),
    "random_uniforms": _row("ref", "random_uniforms", numba="cpu"),
    "step_status": _row("ref", "step_status", numba="cpu"),
    "sync_sign": _row("ref", "sync_sign", numba="cpu"),
    # sparse-distributed memories (assoc.memories.willshaw, kanerva, segments, sparsey, index)
    "and_popcount": _row("ref_sdr", "and_popcount", numba="cpu_sdr"),
    "xor_popcount": _row("ref_sdr", "xor_popcount", numba="cpu_sdr"),
    "or_rows": _row("ref_sdr", "or_rows", numba="cpu_sdr"),
    "index_overlaps": _row("ref_sdr", "index_overlaps", numba="cpu_sdr"),
    "index_best": _row("ref_sdr", "index_best", numba="cpu_sdr"),
    "and_popcount_t": _row("ref_sdr", "and_popcount_t", numba="cpu_sdr"),
    "or_columns": _row("ref_sdr", "or_columns", numba="cpu_sdr"),
    "pack_rows": _row("ref_sdr", "pack_rows", numba="cpu_sdr"),
    "binary_overlaps": _row("ref_sdr", "binary_overlaps", numba="cpu_sdr"),
    "or_values": _row("ref_sdr", "or_values", numba="cpu_sdr"),
    "willshaw_step": _row("ref_sdr", "willshaw_step", numba="cpu_sdr"),
    "sdm_write": _row("ref_sdr", "sdm_write", numba="cpu_sdr"),
    "sdm_read": _row("ref_sdr", "sdm_read", numba="cpu_sdr"),
    "sparsey_match": _row("ref_sdr", "sparsey_match", numba="cpu_sdr"),
    "sparsey_draw": _row("ref_sdr", "sparsey_draw", numba="cpu_sdr"),
    "code_agreement": _row("ref_sdr", "code_agreement", numba="cpu_sdr"),
    "segment_detect": _row("ref_sdr", "segment_detect", numba="cpu_sdr"),
    # dense associative memories (assoc.memories.dense, dense_hebbian, multitask)
    "dense_async_sweep": _row("ref_dense", "dense_async_sweep", numba="cpu_dense"),
    "dense_async_sweep_table": _row("ref_dense", "dense_async_sweep_table", numba="cpu_dense"),
    "dense_overlaps": _row("ref_dense", "dense_overlaps", numba="cpu_dense"),
    # fast-weight memories (assoc.memories.fastweight)
    "fastweight_matrix_scan": _row("ref_fastweight", "matrix_scan", numba="cpu_fastweight"),
    "fastweight_neural_scan": _row("ref_fastweight", "neural_scan", numba="cpu_fastweight"),
}


@lru_cache(maxsize=None)
def _load(target: str) -> Callable:
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)


def kernel(name: str, backend: Any) -> Callable:
    """Kernel ``name`` for ``backend`` (a registered backend name, or a Backend).

    The backend's compiled variant where the table lists one, else the reference twin.
    """
    if not isinstance(name, str) or name not in TABLE:
        msg = f"kernel name must be one of {sorted(TABLE)}, got {name!r}"
        close = difflib.get_close_matches(name, TABLE, n=1) if isinstance(name, str) else []
        raise ValueError(msg + (f"; did you mean {close[0]!r}?" if close else ""))
    be = check_backend_name(getattr(backend, "name", backend), allow_auto=False)
    row = TABLE[name]
    return _load(row.compiled.get(be, row.reference))
