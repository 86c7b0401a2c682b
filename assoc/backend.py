"""Backend registry: every array backend declares itself once, in :data:`BACKENDS`.

A backend bundles an array module (``xp``: NumPy, CuPy, ...) with a name. Dense linear algebra
is written once against ``xp``; the loops that cannot be written as array operations
(asynchronous updates, popcounts, code selection) are looked up in :mod:`assoc.kernels`, which
gives a backend its compiled variant of a kernel where one exists and the array-module
reference twin otherwise, so a backend registered without compiled kernels works at once.

Built in: ``numpy`` (the reference), ``numba`` (compiled CPU kernels on NumPy arrays) and
``cupy`` (CuPy arrays, Numba-CUDA kernels). :func:`register_backend` adds another.
``"auto"`` picks the usable backend of highest declared preference and logs its choice once.
``assoc info`` prints the table returned by :func:`available_backends`.
"""

from __future__ import annotations

import difflib
import logging
import re
import threading
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

import numpy as np

log = logging.getLogger("assoc")

AUTO = "auto"


@dataclass(frozen=True)
class BackendSpec:
    """The declaration of one backend, as stored in :data:`BACKENDS`.

    Parameters
    ----------
    name : str
        The name that selects it (``backend=name``) and keys its compiled kernels.
    probe : callable
        ``probe() -> (usable, text)``: whether the backend can run here, with its version
        when it can and the reason when it cannot. Called once, then cached.
    array_module : callable
        ``array_module() -> module``: imports and returns the array module (``xp``).
    to_numpy : callable
        ``to_numpy(x) -> numpy.ndarray``: brings an array of the backend to the host.
    asarray : callable or None
        ``asarray(x, dtype)``: moves ``x`` onto the backend; None uses ``xp.asarray``.
    is_gpu : bool
        Whether its arrays live on a GPU.
    preference : int or None
        Rank for ``"auto"`` (highest usable wins); None: ``"auto"`` never picks it.
    """

    name: str
    probe: Callable[[], tuple[bool, str]]
    array_module: Callable[[], ModuleType]
    to_numpy: Callable[[Any], np.ndarray] = np.asarray
    asarray: Callable[[Any, Any], Any] | None = None
    is_gpu: bool = False
    preference: int | None = None


#: name -> declaration, in registration order. Change it through :func:`register_backend`
#: and :func:`unregister_backend`, which also clear the cached probes and ``auto`` choice.
BACKENDS: dict[str, BackendSpec] = {}

_LOCK = threading.RLock()
_PROBED: dict[str, tuple[bool, str]] = {}
_AUTO_CHOICE: list[str] = []  # the resolved name, once resolved
_NAME = re.compile(r"[a-z][a-z0-9_-]*")


@dataclass(frozen=True)
class Backend:
    """An array module plus the name used to pick kernels."""

    name: str
    xp: ModuleType = field(repr=False)
    spec: BackendSpec = field(repr=False, compare=False)

    def __str__(self) -> str:
        return self.name

    def __format__(self, format_spec: str) -> str:
        """Formats as its name: ``f"{mem.backend:8s}"`` pads the name like any string."""
        return format(self.name, format_spec)

    def asarray(self, x: Any, dtype: Any = None) -> Any:
        """Move ``x`` onto this backend (a no-op for host arrays on host backends)."""
        if self.spec.asarray is not None:
            return self.spec.asarray(x, dtype)
        return self.xp.asarray(x, dtype=dtype)

    def to_numpy(self, x: Any) -> np.ndarray:
        """Bring ``x`` back to a host NumPy array."""
        return self.spec.to_numpy(x)

    @property
    def is_gpu(self) -> bool:
        """Whether this backend's arrays live on a GPU."""
        return self.spec.is_gpu


def backend_names() -> tuple[str, ...]:
    """The names ``backend=`` accepts: the registered backends, then ``"auto"``."""
    return (*BACKENDS, AUTO)


def _unknown(name: str, allowed: tuple[str, ...]) -> ValueError:
    msg = f"backend must be one of {', '.join(map(repr, allowed))}, got {name!r}"
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        msg += f"; did you mean {close[0]!r}?"
    return ValueError(msg)


def check_backend_name(name: Any, *, allow_auto: bool = True) -> str:
    """Return ``name`` if it names a registered backend (or ``"auto"`` when allowed)."""
    allowed = backend_names() if allow_auto else tuple(BACKENDS)
    if not isinstance(name, str):
        raise TypeError(f"backend must be a string, one of {', '.join(map(repr, allowed))}, got {name!r}")
    if name not in allowed:
        raise _unknown(name, allowed)
    return name


def register_backend(
    name: str,
    *,
    array_module: ModuleType | Callable[[], ModuleType],
    probe: Callable[[], tuple[bool, str]] | None = None,
    to_numpy: Callable[[Any], np.ndarray] | None = None,
    asarray: Callable[[Any, Any], Any] | None = None,
    is_gpu: bool = False,
    preference: int | None = None,
    replace: bool = False,
) -> BackendSpec:
    """Declare a backend and return its :class:`BackendSpec`.

    ``array_module`` is the module itself or a function importing it (so an optional
    dependency is imported only when the backend is used). ``probe`` defaults to "usable"
    with the array module's name and version. The new backend runs every kernel through its
    array-module reference twin unless :mod:`assoc.kernels` lists a compiled variant for it.
    Registering a name again raises ``ValueError`` unless ``replace=True``.
    """
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name == AUTO:
        raise ValueError(
            f"name must be a lowercase identifier ([a-z][a-z0-9_-]*) other than {AUTO!r}, got {name!r}"
        )
    if isinstance(array_module, ModuleType):
        module = array_module
        load: Callable[[], ModuleType] = lambda: module  # noqa: E731
    elif callable(array_module):
        load = array_module
    else:
        raise TypeError(f"array_module must be a module or a function returning one, got {array_module!r}")
    if probe is None:
        def probe() -> tuple[bool, str]:
            xp = load()
            return True, f"{xp.__name__} {getattr(xp, '__version__', '(no version)')}"
    elif not callable(probe):
        raise TypeError(f"probe must be a function returning (usable, reason), got {probe!r}")
    for arg, value in (("to_numpy", to_numpy), ("asarray", asarray)):
        if value is not None and not callable(value):
            raise TypeError(f"{arg} must be a function or None, got {value!r}")
    if not isinstance(is_gpu, (bool, np.bool_)):
        raise TypeError(f"is_gpu must be a bool, got {is_gpu!r}")
    if preference is not None and (isinstance(preference, bool) or not isinstance(preference, int)):
        raise TypeError(f"preference must be an int or None, got {preference!r}")
    spec = BackendSpec(name=name, probe=probe, array_module=load, to_numpy=to_numpy or np.asarray,
                       asarray=asarray, is_gpu=bool(is_gpu), preference=preference)
    with _LOCK:
        old = BACKENDS.get(name)
        if old is not None and not replace:
            raise ValueError(f"backend {name!r} is already registered; pass replace=True to redeclare it")
        BACKENDS[name] = spec
        _PROBED.pop(name, None)
        if spec.preference is not None or (old is not None and old.preference is not None):
            _AUTO_CHOICE.clear()
    return spec


def unregister_backend(name: str) -> BackendSpec:
    """Remove backend ``name`` from the registry and return its declaration."""
    check_backend_name(name, allow_auto=False)
    with _LOCK:
        spec = BACKENDS.pop(name)
        _PROBED.pop(name, None)
        if spec.preference is not None:
            _AUTO_CHOICE.clear()
    return spec


def _probe(name: str) -> tuple[bool, str]:
    """Whether backend ``name`` is usable here, and why not (or its version); cached."""
    with _LOCK:
        if name in _PROBED:
            return _PROBED[name]
        spec = BACKENDS[name]
    try:
        result = spec.probe()
        ok, why = result
        result = (bool(ok), str(why))
    except Exception as exc:
        result = (False, f"probe of backend {name!r} failed: {type(exc).__name__}: {exc}")
    with _LOCK:
        if BACKENDS.get(name) is spec:
            _PROBED[name] = result
    return result


def available_backends() -> dict[str, tuple[bool, str]]:
    """``{name: (usable, version_or_reason)}`` for every registered backend."""
    return {name: _probe(name) for name in list(BACKENDS)}


def _resolve_auto() -> str:
    """The name ``"auto"`` stands for: the usable backend of highest preference."""
    with _LOCK:
        if _AUTO_CHOICE:
            return _AUTO_CHOICE[0]
        ranked = sorted((s for s in BACKENDS.values() if s.preference is not None),
                        key=lambda s: -s.preference)  # stable: ties keep registration order
        tried = []
        for spec in ranked:
            ok, why = _probe(spec.name)
            if ok:
                log.info("assoc: backend 'auto' resolved to %r (%s)", spec.name, why)
                _AUTO_CHOICE.append(spec.name)
                return spec.name
            tried.append(f"{spec.name}: {why}")
    raise ValueError(
        "backend 'auto' found no usable backend with a preference"
        + (f" ({'; '.join(tried)})" if tried else "; none is registered with one")
    )


def get_backend(name: str | Backend = AUTO) -> Backend:
    """Return the :class:`Backend` called ``name`` (a registered name or ``"auto"``).

    Raises ``ValueError`` for an unknown name and for a registered backend that is not usable
    on this machine (with the reason), so a request for a GPU backend never silently runs on
    the CPU.
    """
    if isinstance(name, Backend):
        return name
    name = check_backend_name(name)
    if name == AUTO:
        name = _resolve_auto()
    ok, why = _probe(name)
    if not ok:
        raise ValueError(f"backend {name!r} is not usable here: {why}")
    spec = BACKENDS[name]
    return Backend(name, spec.array_module(), spec)


# --------------------------------------------------------------------------- built-in backends


def _numba_probe() -> tuple[bool, str]:
    try:
        import numba

        from .kernels import cpu  # noqa: F401  (compiles lazily; import checks llvmlite)
    except Exception as exc:  # pragma: no cover - depends on the machine
        return False, f"numba import failed: {exc}"
    return True, f"numba {numba.__version__}, {numba.config.NUMBA_NUM_THREADS} threads"


def _cupy_probe() -> tuple[bool, str]:
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


def _cupy_module() -> ModuleType:
    import cupy

    return cupy


def _cupy_to_numpy(x: Any) -> np.ndarray:
    import cupy

    return cupy.asnumpy(x)


register_backend("numpy", array_module=np, probe=lambda: (True, f"numpy {np.__version__}"), preference=0)
register_backend("numba", array_module=np, probe=_numba_probe, preference=10)
register_backend("cupy", array_module=_cupy_module, probe=_cupy_probe, to_numpy=_cupy_to_numpy, is_gpu=True,
                 preference=20)
