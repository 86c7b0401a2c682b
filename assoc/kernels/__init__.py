"""Per-backend kernel table: the loops that cannot be written as array operations.

``kernel(name, backend)`` returns the implementation of ``name`` for a backend name. The
numpy and cupy backends run the array-module reference in :mod:`assoc.kernels.ref`; the
numba backend runs the compiled kernels in :mod:`assoc.kernels.cpu`. Families add rows here.
"""

from __future__ import annotations

import importlib
from typing import Callable

# kernel name -> {backend name: "module:function"}
TABLE: dict[str, dict[str, str]] = {
    "async_sweep_patterns": {
        "numpy": "assoc.kernels.ref:async_sweep_patterns",
        "numba": "assoc.kernels.cpu:async_sweep_patterns",
        "cupy": "assoc.kernels.ref:async_sweep_patterns",
    },
    "async_sweep_weights": {
        "numpy": "assoc.kernels.ref:async_sweep_weights",
        "numba": "assoc.kernels.cpu:async_sweep_weights",
        "cupy": "assoc.kernels.ref:async_sweep_weights",
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
