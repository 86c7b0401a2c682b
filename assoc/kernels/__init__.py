"""Per-backend kernel table: the loops that cannot be written as array operations.

``kernel(name, backend)`` returns the implementation of ``name`` for a backend name. The
numpy backend runs the array-module reference in :mod:`assoc.kernels.ref`, the numba backend
the compiled kernels in :mod:`assoc.kernels.cpu`, and the cupy backend the Numba-CUDA kernels
in :mod:`assoc.kernels.gpu` (launched on CuPy arrays). Families add rows here.
"""

from __future__ import annotations

import importlib
from typing import Callable

# kernel name -> {backend name: "module:function"}
TABLE: dict[str, dict[str, str]] = {
    "async_sweep_patterns": {
        "numpy": "assoc.kernels.ref:async_sweep_patterns",
        "numba": "assoc.kernels.cpu:async_sweep_patterns",
        "cupy": "assoc.kernels.gpu:async_sweep_patterns",
    },
    "async_sweep_weights": {
        "numpy": "assoc.kernels.ref:async_sweep_weights",
        "numba": "assoc.kernels.cpu:async_sweep_weights",
        "cupy": "assoc.kernels.gpu:async_sweep_weights",
    },
    # sparse-distributed memories (assoc.sdr)
    "and_popcount": {
        "numpy": "assoc.kernels.ref_sdr:and_popcount",
        "numba": "assoc.kernels.cpu_sdr:and_popcount",
        "cupy": "assoc.kernels.ref_sdr:and_popcount",
    },
    "xor_popcount": {
        "numpy": "assoc.kernels.ref_sdr:xor_popcount",
        "numba": "assoc.kernels.cpu_sdr:xor_popcount",
        "cupy": "assoc.kernels.ref_sdr:xor_popcount",
    },
    "or_rows": {
        "numpy": "assoc.kernels.ref_sdr:or_rows",
        "numba": "assoc.kernels.cpu_sdr:or_rows",
        "cupy": "assoc.kernels.ref_sdr:or_rows",
    },
    "index_overlaps": {
        "numpy": "assoc.kernels.ref_sdr:index_overlaps",
        "numba": "assoc.kernels.cpu_sdr:index_overlaps",
        "cupy": "assoc.kernels.ref_sdr:index_overlaps",
    },
    "index_best": {
        "numpy": "assoc.kernels.ref_sdr:index_best",
        "numba": "assoc.kernels.cpu_sdr:index_best",
        "cupy": "assoc.kernels.ref_sdr:index_best",
    },
    "and_popcount_t": {
        "numpy": "assoc.kernels.ref_sdr:and_popcount_t",
        "numba": "assoc.kernels.cpu_sdr:and_popcount_t",
        "cupy": "assoc.kernels.ref_sdr:and_popcount_t",
    },
    "or_columns": {
        "numpy": "assoc.kernels.ref_sdr:or_columns",
        "numba": "assoc.kernels.cpu_sdr:or_columns",
        "cupy": "assoc.kernels.ref_sdr:or_columns",
    },
    # dense associative memories (assoc.dense)
    "dense_async_sweep": {
        "numpy": "assoc.kernels.ref_dense:dense_async_sweep",
        "numba": "assoc.kernels.cpu_dense:dense_async_sweep",
        "cupy": "assoc.kernels.ref_dense:dense_async_sweep",
    },
    "dense_async_sweep_table": {
        "numpy": "assoc.kernels.ref_dense:dense_async_sweep_table",
        "numba": "assoc.kernels.cpu_dense:dense_async_sweep_table",
        "cupy": "assoc.kernels.ref_dense:dense_async_sweep_table",
    },
}


def kernel(name: str, backend: str) -> Callable:
    """Look up kernel ``name`` for ``backend`` ("numpy", "numba" or "cupy")."""
    try:
        target = TABLE[name][backend]
    except KeyError:
        raise ValueError(f"no kernel {name!r} for backend {backend!r}; known: {sorted(TABLE)}") from None
    module, func = target.split(":")
    return getattr(importlib.import_module(module), func)
