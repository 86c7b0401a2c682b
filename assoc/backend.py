"""Backend registry: ``"numpy"`` | ``"numba"`` | ``"cupy"`` | ``"auto"``.

A backend bundles an array module (``xp``: NumPy or CuPy) with a name. Dense linear algebra
is written once against ``xp``; the loops that cannot be written as array operations
(asynchronous updates, popcounts, code selection) are looked up per backend in
:mod:`assoc.kernels`.

``auto`` picks cupy if a CUDA device is usable, else numba, else numpy, and logs the choice
once. ``assoc info`` prints the table returned by :func:`available_backends`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import Any

import numpy as np

log = logging.getLogger("assoc")

NAMES = ("numpy", "numba", "cupy", "auto")


@dataclass(frozen=True)
class Backend:
    """An array module plus the name used to pick kernels."""

    name: str
    xp: ModuleType

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        """Move ``x`` onto this backend (a no-op for host arrays on numpy/numba)."""
        return self.xp.asarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> np.ndarray:
        """Bring ``x`` back to a host NumPy array."""
        if self.name == "cupy":
            return self.xp.asnumpy(x)
        return np.asarray(x)

    @property
    def on_gpu(self) -> bool:
        return self.name == "cupy"


@lru_cache(maxsize=None)
def _probe(name: str) -> tuple[bool, str]:
    """Whether backend ``name`` is usable here, and why not (or its version)."""
    if name == "numpy":
        return True, f"numpy {np.__version__}"
    if name == "numba":
        try:
            import numba

            from .kernels import cpu  # noqa: F401  (compiles lazily; import checks llvmlite)
        except Exception as exc:  # pragma: no cover - depends on the machine
            return False, f"numba import failed: {exc}"
        return True, f"numba {numba.__version__}, {numba.config.NUMBA_NUM_THREADS} threads"
    if name == "cupy":
        try:
            import cupy
        except Exception as exc:
            return False, f"cupy is not installed ({type(exc).__name__}); pip install 'assoc[gpu]'"
        try:
            count = cupy.cuda.runtime.getDeviceCount()
            if count < 1:
                return False, "cupy is installed but no CUDA device is visible"
            cupy.zeros(1).sum().item()
            dev = cupy.cuda.runtime.getDeviceProperties(0)["name"]
            dev = dev.decode() if isinstance(dev, bytes) else dev
        except Exception as exc:
            return False, f"cupy is installed but CUDA is not usable: {exc}"
        return True, f"cupy {cupy.__version__} on {dev} ({count} device(s))"
    raise ValueError(f"backend must be one of {NAMES}, got {name!r}")


def available_backends() -> dict[str, tuple[bool, str]]:
    """``{name: (usable, reason_or_version)}`` for the concrete backends."""
    return {name: _probe(name) for name in NAMES if name != "auto"}


@lru_cache(maxsize=None)
def _resolve_auto() -> str:
    for name in ("cupy", "numba", "numpy"):
        ok, why = _probe(name)
        if ok:
            log.info("assoc: backend 'auto' resolved to %r (%s)", name, why)
            return name
    return "numpy"  # pragma: no cover - numpy is always usable


def get_backend(name: str | Backend = "auto") -> Backend:
    """Return the :class:`Backend` called ``name``.

    Raises ``ValueError`` for an unknown name and for a known backend that is not usable on
    this machine (with the reason), so a request for ``cupy`` never silently runs on the CPU.
    """
    if isinstance(name, Backend):
        return name
    if not isinstance(name, str):
        raise TypeError(f"backend must be a string, one of {NAMES}, got {name!r}")
    if name not in NAMES:
        raise ValueError(f"backend must be one of {NAMES}, got {name!r}")
    if name == "auto":
        name = _resolve_auto()
    ok, why = _probe(name)
    if not ok:
        raise ValueError(f"backend {name!r} is not usable here: {why}")
    if name == "cupy":
        import cupy

        return Backend("cupy", cupy)
    return Backend(name, np)
