"""The Memory protocol, the Recall result and the input validation every family shares.

Every memory in :mod:`assoc` is batch first: ``store`` takes a ``(P, n)`` batch of patterns
and ``recall`` a ``(B, n)`` batch of cues. Each family declares its alphabet explicitly:

``"pm1"``      values in {-1, +1} (classical Hopfield, dense memories)
``"binary"``   values in {0, 1}  (sparse-distributed memories, spiking CA3)
``"ternary"``  values in {-1, 0, +1} (diluted patterns; also erased cues for +/-1 memories)

Inputs may be arrays of any library of the Python array API standard (NumPy, CuPy, PyTorch,
JAX, array-api-strict, ...): :func:`to_numpy` reads them at the validation boundary, and a
recall cued with another library's array answers in that library (:func:`to_caller`).

Inputs are validated once, here, at the public boundary. Nothing is silently coerced: a wrong
alphabet, shape, dtype, NaN or out-of-range parameter raises ``ValueError`` (or ``TypeError``
for a wrong type) whose message names the parameter, the value received and what is allowed.
"""

from __future__ import annotations

import functools
import inspect
import numbers
import operator
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Protocol, runtime_checkable

import numpy as np

ALPHABETS = {
    "pm1": (-1, 1),
    "binary": (0, 1),
    "ternary": (-1, 0, 1),
}


# --------------------------------------------------------------------------- validation


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer within ``[low, high]``.

    Booleans and floats are refused (``TypeError``): ``n=10.0`` is almost always a bug.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_short(value)} of type {type(value).__name__}")
    value = int(value)
    if low is not None and value < low:
        raise ValueError(f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be <= {high}, got {value}")
    return value


def check_float(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as ``float`` if it is a finite real number within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_short(value)} of type {type(value).__name__}")
    if isinstance(value, numbers.Integral):
        try:
            exact = float(value) == value
        except OverflowError:
            exact = False
        if not exact:
            raise ValueError(f"{name} must be a real number that a float represents exactly, got the integer "
                             f"{_short(value)}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    interval = f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"
    if low is not None and (value < low or (low_open and value == low)):
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    if high is not None and (value > high or (high_open and value == high)):
        raise ValueError(f"{name} must lie in {interval}, got {value}")
    return value


def check_choice(name: str, value: Any, choices: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``choices`` (strings)."""
    choices = tuple(choices)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, one of {choices}, got {_short(value)}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def check_seed(name: str, value: Any) -> int | None:
    """A seed is ``None`` or a non-negative integer."""
    if value is None:
        return None
    return check_int(name, value, low=0)


def check_patterns(
    name: str,
    x: Any,
    *,
    alphabet: str,
    n: int | None = None,
    allow_empty: bool = False,
    ndim: int = 2,
) -> np.ndarray:
    """Validate a batch of patterns and return it as a C-contiguous ``int8`` NumPy array.

    Parameters
    ----------
    name : str
        Parameter name used in error messages (``"patterns"``, ``"cues"``, ...).
    x : array_like, shape (B, n)
        Integer or boolean array (float arrays are accepted only if every value is an exact
        member of the alphabet; NaN is refused).
    alphabet : {"pm1", "binary", "ternary"}
    n : int, optional
        Required number of columns.
    allow_empty : bool
        Whether a batch of zero rows is accepted.
    """
    if alphabet not in ALPHABETS:
        raise ValueError(f"alphabet must be one of {tuple(ALPHABETS)}, got {alphabet!r}")
    x = to_numpy(x)
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be an array of shape (batch, n), got {_short(x)}") from exc
    if x.dtype.kind not in _PATTERN_KINDS and (x.dtype == object or not (
        np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating) or x.dtype == bool
    )):
        raise TypeError(f"{name} must be a numeric array, got dtype {x.dtype}")
    if x.ndim != ndim:
        shape = "(batch, n)" if ndim == 2 else f"{ndim} dimensions"
        raise ValueError(f"{name} must have shape {shape}, got shape {x.shape}")
    if n is not None and x.shape[-1] != n:
        raise ValueError(f"{name} must have {n} columns (the memory's n), got shape {x.shape}")
    if x.shape[-1] < 1:
        raise ValueError(f"{name} must have at least one column, got shape {x.shape}")
    if x.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{name} must hold at least one row, got shape {x.shape}")
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        raise ValueError(f"{name} contains NaN or infinite values")
    allowed = ALPHABETS[alphabet]
    if x.dtype == bool:
        if alphabet == "pm1":
            raise ValueError(f"{name} must hold values in {set(allowed)} ({alphabet}), got a boolean array")
        return np.ascontiguousarray(x, dtype=np.int8)
    if x.dtype == np.int8 and x.size <= _SMALL_ENTRIES:
        # small int8 batches (an agent's row): membership by deleting the alphabet's bytes
        x = np.ascontiguousarray(x)
        if not x.tobytes().translate(None, _ALPHABET_BYTES[alphabet]):
            return x
    if x.size and not _in_alphabet(x, alphabet):
        bad = ~np.isin(x, allowed)
        found = np.unique(x[bad])[:5]
        raise ValueError(
            f"{name} must hold values in {set(allowed)} ({alphabet} alphabet), found {found.tolist()}"
        )
    return np.ascontiguousarray(x, dtype=np.int8)


#: Batches of at most this many entries take the validators' small-array paths (no NumPy
#: reductions: their fixed cost dominates a row of a few dozen entries): int8 patterns, and
#: real values (checked in Python floats, so fewer of them).
_SMALL_ENTRIES = 4096
_SMALL_REAL_ENTRIES = 256
#: Each alphabet's values as int8 bytes.
_ALPHABET_BYTES = {k: np.array(v, dtype=np.int8).tobytes() for k, v in ALPHABETS.items()}
_REAL_KINDS = frozenset("iuf")
_PATTERN_KINDS = frozenset("biuf")
#: Squared norms below this are finite by a wide margin (float64's largest is ~1.8e308).
_SAFE_SQUARED_NORM = 1e300


def _in_alphabet(x: np.ndarray, alphabet: str) -> bool:
    """Fast membership test: bounds, no zeros for +/-1, integral values for floats."""
    lo, hi = ALPHABETS[alphabet][0], ALPHABETS[alphabet][-1]
    if x.min() < lo or x.max() > hi:
        return False
    if np.issubdtype(x.dtype, np.floating) and not np.array_equal(x, np.trunc(x)):
        return False
    return alphabet != "pm1" or np.count_nonzero(x) == x.size


def check_real(
    name: str,
    x: Any,
    n: int | None = None,
    *,
    ndim: int = 2,
    what: str = "columns (the memory's n)",
    allow_bool: bool = False,
    allow_empty: bool = False,
) -> np.ndarray:
    """Validate a batch of finite real values and return it as a C-contiguous float64 NumPy array.

    The real-valued twin of :func:`check_patterns`, for families and encoders of real keys,
    values or patterns. ``x`` may be an array of any library (see :func:`to_numpy`) or a
    nested list; the result is always a fresh copy, so storing it never aliases the caller's
    array.

    Parameters
    ----------
    name : str
        Parameter name used in error messages (``"patterns"``, ``"keys"``, ...).
    x : array_like, shape (B, n)
        Integer or float values (booleans only with ``allow_bool``); NaN, infinities and rows
        whose squared norm overflows float64 are refused.
    n : int, optional
        Required length of the last axis.
    ndim : int
        Required number of dimensions (2: a batch first).
    what : str
        What the last axis holds, for the message of a wrong length (``"columns (key_dim)"``).
    allow_bool : bool
        Whether a boolean array is read as 0/1 values.
    allow_empty : bool
        Whether a batch of zero rows is accepted.
    """
    x = to_numpy(x)
    if type(x) is np.ndarray:
        arr = x
    else:
        try:
            arr = np.asarray(x)
        except Exception as exc:  # ragged lists and the like
            raise TypeError(f"{name} must be a real array of shape {_real_shape(n, ndim)}, got {_short(x)}") from exc
    kind = arr.dtype.kind
    if kind == "b":
        if not allow_bool:
            raise TypeError(f"{name} must be a real (integer or float) array, got a boolean array")
    elif kind not in _REAL_KINDS and not (np.issubdtype(arr.dtype, np.integer)
                                          or np.issubdtype(arr.dtype, np.floating)):
        raise TypeError(f"{name} must be a real (integer or float) array, got dtype {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must have shape {_real_shape(n, ndim)}, got shape {arr.shape}")
    if n is not None and arr.shape[-1] != n:
        raise ValueError(f"{name} must have {n} {what}, got shape {arr.shape}")
    if ndim and arr.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one column, got shape {arr.shape}")
    if ndim and arr.shape[0] == 0 and not allow_empty:
        raise ValueError(f"{name} must hold at least one row, got shape {arr.shape}")
    arr = np.array(arr, dtype=np.float64, order="C")
    if arr.size <= _SMALL_REAL_ENTRIES:
        # one sum of squares in Python floats (no NumPy reductions, no floating-point state):
        # a finite total well below the largest float64 means every entry and every row's
        # squared norm is finite; anything else goes through the exact checks below
        flat = arr.ravel().tolist()
        if sum(map(operator.mul, flat, flat)) < _SAFE_SQUARED_NORM:
            return arr
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    with np.errstate(over="ignore"):
        if arr.ndim and not np.all(np.isfinite((arr * arr).sum(axis=-1))):
            raise ValueError(f"{name} are too large: the squared norm of a row overflows float64")
    return arr


def _real_shape(n: int | None, ndim: int) -> str:
    return "(batch, {})".format("n" if n is None else n) if ndim == 2 else f"{ndim} dimensions"


# --------------------------------------------------------------------------- array libraries
# Any array library in, the same out. Inputs are read into host NumPy arrays at the validation
# boundary (to_numpy); results go back to the library and device of the caller's input
# (to_caller), without a copy where the devices match. NumPy and CuPy inputs, and plain
# Python sequences, are left to the backends as before: their results are the backend's arrays.


def _is_cupy(x: Any) -> bool:
    return type(x).__module__.partition(".")[0] == "cupy"


def is_foreign_array(x: Any) -> bool:
    """Whether ``x`` is an array of a library other than NumPy and CuPy (PyTorch, JAX,
    array-api-strict, ...: anything with ``__dlpack__`` or ``__array_namespace__``)."""
    if x is None or isinstance(x, (np.ndarray, np.generic, list, tuple, str, bytes, numbers.Number)):
        return False
    if _is_cupy(x):
        return False
    return hasattr(x, "__dlpack__") or hasattr(x, "__array_namespace__")


def _compat():
    try:
        import array_api_compat
    except ImportError as exc:  # a core dependency; only a broken install lacks it
        raise ImportError("arrays of libraries other than NumPy and CuPy are read through array-api-compat: "
                          "pip install array-api-compat") from exc
    return array_api_compat


def _foreign_to_numpy(x: Any) -> np.ndarray:
    aac = _compat()
    if aac.is_torch_array(x):
        t = x.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        t = t.resolve_conj().resolve_neg()
        try:
            return t.numpy()  # shares the tensor's memory
        except TypeError as exc:
            raise TypeError(f"a PyTorch tensor of dtype {t.dtype} has no NumPy equivalent; convert it first "
                            f"(for instance tensor.float())") from exc
    try:
        return np.from_dlpack(x)  # shares memory where the array lives on the CPU
    except Exception:  # on another device, or a producer NumPy cannot read through DLPack
        pass
    try:
        return np.asarray(x)
    except Exception as exc:
        raise TypeError(f"cannot read an array of type {type(x).__module__}.{type(x).__name__} on the host: "
                        f"{type(exc).__name__}: {exc}") from exc


def to_numpy(x: Any) -> Any:
    """Bring an array of any library to a host NumPy array; leave other objects untouched.

    NumPy arrays are returned as they are and CuPy arrays copied to the host. Arrays of the
    other libraries of the Python array API standard (PyTorch, JAX, array-api-strict, ...)
    are read through DLPack (:mod:`array_api_compat`): without a copy where they live on the
    CPU, after a copy to the host otherwise (PyTorch tensors are detached from autograd
    first). Lists, scalars and other objects pass through for the validators to judge.
    """
    if isinstance(x, np.ndarray):
        return x
    if is_foreign_array(x):
        return _foreign_to_numpy(x)
    if hasattr(x, "__cuda_array_interface__") and hasattr(x, "get"):
        return x.get()
    return x


def to_caller(x: Any, like: Any) -> Any:
    """``x`` (a NumPy or backend array) as an array of ``like``'s library, on ``like``'s device.

    Where ``like`` is a NumPy or CuPy array, a list or None, ``x`` is returned unchanged: results
    stay the backend's arrays, as for every NumPy caller. Otherwise ``x`` moves through DLPack
    (no copy where the devices match: a NumPy result for a CPU tensor, a CuPy result for a CUDA
    tensor on the same GPU) and then, where needed, to ``like``'s device.
    """
    if x is None or not is_foreign_array(like):
        return x
    aac = _compat()
    if isinstance(x, np.generic):
        x = np.asarray(x)
    device = aac.device(like)
    if aac.is_torch_array(like):
        import torch

        try:
            out = torch.from_dlpack(x)
        except Exception:  # read-only or otherwise not exportable: hand over a copy
            out = torch.from_dlpack(np.array(to_numpy(x)))
        return out if out.device == device else out.to(device)
    xp = aac.array_namespace(like)
    try:
        out = xp.from_dlpack(x)
    except Exception:
        out = xp.asarray(np.array(to_numpy(x)))
    if aac.device(out) != device:
        out = aac.to_device(out, device)
    return out


def recall_like(result: Any, cues: Any) -> Any:
    """``result`` with its ``states`` and ``overlaps`` in the array library of ``cues``.

    Only a :class:`Recall` whose cues are an array of a library other than NumPy and CuPy is
    changed (in place, and returned); ``steps``, ``converged``, ``status`` and ``energy`` stay
    host NumPy, ``extra`` stays the family's.
    """
    if isinstance(result, Recall) and is_foreign_array(cues):
        result.states = to_caller(result.states, cues)
        result.overlaps = to_caller(result.overlaps, cues)
    return result


def returns_caller_arrays(recall: Any) -> Any:
    """Wrap a memory's ``recall(cues, ...)`` so that its :class:`Recall` comes back in the
    cues' array library (:func:`recall_like`).

    :class:`BaseMemory` applies it to the ``recall`` of every subclass; another memory class
    decorates its ``recall`` (or any method whose first argument is the cues) with it to do
    the same.
    """
    if getattr(recall, "_returns_caller_arrays", False):
        return recall
    params = list(inspect.signature(recall).parameters)
    first = params[1] if len(params) > 1 else "cues"  # after self: the cues, whatever their name

    @functools.wraps(recall)
    def wrapper(self, *args: Any, **kwargs: Any):
        cues = args[0] if args else kwargs.get(first)
        return recall_like(recall(self, *args, **kwargs), cues)

    wrapper._returns_caller_arrays = True
    return wrapper


def available_memory_bytes() -> int:
    """Physical memory currently available, from ``/proc/meminfo`` (or total RAM as a fallback)."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 1 << 62


#: :func:`check_memory_estimate` takes at least this much memory to be available without
#: reading it (a read of ``/proc/meminfo`` costs tens of microseconds, more than an agent's
#: single-row write): a request of at most ``fraction`` of it (4 MiB at the default 0.8) passes
#: at once; a process running Python with less than this available could not run anyway.
ASSUMED_AVAILABLE_BYTES = 5 * 2**20


def check_memory_estimate(nbytes: int | float, what: str, *, fraction: float = 0.8) -> None:
    """Refuse, before allocating, a request whose estimate exceeds the available memory.

    Requests of at most ``fraction`` of :data:`ASSUMED_AVAILABLE_BYTES` pass without reading
    the available memory.
    """
    if nbytes <= fraction * ASSUMED_AVAILABLE_BYTES:
        return
    avail = available_memory_bytes()
    if nbytes > fraction * avail:
        raise ValueError(
            f"{what} would need about {nbytes / 2**30:.2f} GiB, more than the "
            f"{fraction * avail / 2**30:.2f} GiB this machine can spare; reduce the size"
        )


# --------------------------------------------------------------------------- working-memory budget
#
# Recalls and stores process their batch in chunks so that the temporary arrays of one call
# (the (B, P) overlaps of B cues with P stored items, and the like) stay under one budget, shared
# by every family. Unset, the budget is half the memory available when the call starts, and
# chunks are sized to CHUNK_TARGET_BYTES (larger chunks buy no speed for these streaming
# products); calls whose temporaries fit in SMALL_REQUEST_BYTES run in one piece without asking.

#: Temporaries this small never consult the budget (reading the available memory costs time).
SMALL_REQUEST_BYTES = 64 * 2**20
#: Size of the chunks under the default budget.
CHUNK_TARGET_BYTES = 2**30

_BUDGET: list = [None]  # bytes set by set_memory_budget, or None for the default


def set_memory_budget(nbytes: Any) -> None:
    """Bound the temporary memory of every recall and store to ``nbytes`` bytes (an integer
    >= 1); None restores the default, half the memory available at each call."""
    if nbytes is None:
        _BUDGET[0] = None
        return
    if isinstance(nbytes, (bool, np.bool_)) or not isinstance(nbytes, numbers.Integral):
        raise TypeError(f"nbytes must be an integer number of bytes or None, got {_short(nbytes)}")
    if int(nbytes) < 1:
        raise ValueError(f"nbytes must be >= 1 (bytes), got {int(nbytes)}")
    _BUDGET[0] = int(nbytes)


def memory_budget() -> int:
    """The working-memory budget in bytes: the value set by :func:`set_memory_budget`, else half
    of :func:`available_memory_bytes`."""
    return _BUDGET[0] if _BUDGET[0] is not None else available_memory_bytes() // 2


def fits_budget(nbytes: int | float) -> bool:
    """Whether ``nbytes`` of working memory fit :func:`memory_budget`; under the default budget a
    request of at most :data:`SMALL_REQUEST_BYTES` fits without reading the available memory."""
    if _BUDGET[0] is None and nbytes <= SMALL_REQUEST_BYTES:
        return True
    return nbytes <= memory_budget()


def chunk_rows(rows: int, row_bytes: int | float, what: str, *, fixed_bytes: int | float = 0) -> int:
    """Rows of a batch to process at a time so that ``fixed_bytes + chunk * row_bytes`` stays
    within :func:`memory_budget` (``rows`` itself when everything fits, at least 1). Under the
    default budget chunks aim at :data:`CHUNK_TARGET_BYTES`.

    Raises ValueError, before anything is allocated, when even one row does not fit; the
    message gives the estimate and the budget.
    """
    rows = max(1, int(rows))
    need = fixed_bytes + rows * row_bytes
    if _BUDGET[0] is None and need <= SMALL_REQUEST_BYTES:
        return rows
    budget = memory_budget()
    target = budget if _BUDGET[0] is not None else min(budget, max(CHUNK_TARGET_BYTES, fixed_bytes + row_bytes))
    if need <= target:
        return rows
    least = fixed_bytes + row_bytes
    if least > budget:
        raise ValueError(
            f"{what} needs about {least / 2**30:.3g} GiB of working memory even one row at a time "
            f"({need / 2**30:.3g} GiB for all {rows} rows at once), more than the memory budget of "
            f"{budget / 2**30:.3g} GiB; raise the budget with assoc.memory.set_memory_budget(nbytes) "
            f"or reduce the size"
        )
    return max(1, min(rows, int((target - fixed_bytes) // row_bytes)))


# --------------------------------------------------------------------------- results


STATUS_FIXED = 0
STATUS_CYCLE = 1
STATUS_LIMIT = 2
STATUS_NAMES = ("fixed", "cycle", "limit")


@dataclass
class Recall:
    """Result of ``Memory.recall`` for a batch of B cues; one meaning for every family.

    Attributes
    ----------
    states : array, shape (B, n_out)
        Final states in the family's alphabet; for a hetero-associative memory, the retrieved
        values. An array of the memory's backend array library (NumPy unless the backend is
        cupy; memories without a backend, such as the spiking ones, return NumPy), except where
        the cues were arrays of another array-API library (PyTorch, JAX, array-api-strict,
        ...): then an array of that library on the cues' device (:func:`to_caller`).
    overlaps : array of float64, shape (B, P)
        Cosine similarity of each final state with each stored item's target (the stored
        pattern for auto-association, the stored value for hetero-association):
        ``s . x / (|s| |x|)``, 0 where either vector is all zero. For +/-1 vectors this is
        exactly the Mattis overlap ``s . xi / n``, for {0,1} codes ``|s AND x| / sqrt(|s| |x|)``,
        for real vectors the usual cosine; in every case 1 means the state is the item (up to a
        positive scale). Same array library (and device) as ``states``; see
        :func:`assoc.metrics.cosine_overlaps`. Other family-specific similarities (softmax
        weights, Pearson correlations, Hamming similarities, ...) are in ``extra``.
    steps : ndarray of int, shape (B,)
        Update steps taken (sweeps for asynchronous dynamics, parallel updates for synchronous).
        Host NumPy, as are ``converged``, ``status`` and ``energy``.
    converged : ndarray of bool, shape (B,)
        True where the dynamics reached a fixed point.
    status : ndarray of int8, shape (B,)
        0 fixed point, 1 two-cycle (synchronous dynamics), 2 step limit reached.
    energy : ndarray of float, shape (B,), optional
        Energy of the final states where the family defines one.
    extra : dict
        Family-specific results, named in each family's ``recall`` docstring.
    """

    states: Any
    overlaps: Any
    steps: np.ndarray
    converged: np.ndarray
    status: np.ndarray | None = None
    energy: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        def array(x: Any) -> str:
            if x is None:
                return "None"
            lib = type(x).__module__.partition(".")[0]
            return f"<{lib} {getattr(x, 'dtype', '?')} {tuple(getattr(x, 'shape', ()))}>"

        steps = np.asarray(self.steps)
        span = f"{steps.min()}..{steps.max()}" if steps.size else "none"
        names = self.status_names()
        status = ", ".join(f"{names.count(k)} {k}" for k in STATUS_NAMES if k in names) or "no cues"
        energy = "" if self.energy is None else f", energy={array(self.energy)}"
        return (f"Recall(states={array(self.states)}, overlaps={array(self.overlaps)}, steps={span}, "
                f"status=[{status}]{energy}, extra={sorted(self.extra)})")

    def best(self) -> np.ndarray:
        """Index of the stored item with the largest overlap, per cue (shape (B,), host NumPy)."""
        return np.asarray(to_numpy(self.overlaps)).argmax(axis=1)

    def status_names(self) -> list[str]:
        """Status of each cue as a word: 'fixed', 'cycle' or 'limit'."""
        if self.status is None:
            return ["fixed" if c else "limit" for c in np.asarray(self.converged)]
        return [STATUS_NAMES[int(s)] for s in np.asarray(self.status)]


@runtime_checkable
class Memory(Protocol):
    """What every memory offers; see ``docs/architecture.md`` and :func:`assoc.agents.check_memory`."""

    n: int
    alphabet: str

    def store(self, patterns: Any, values: Any = None) -> None: ...

    def recall(self, cues: Any) -> Recall: ...

    def __len__(self) -> int: ...

    def reset(self) -> None: ...

    def state_dict(self) -> dict: ...

    def load_state_dict(self, state: dict) -> None: ...


# --------------------------------------------------------------------------- loading states


def _kind(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, (bool, np.bool_)):
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Real):
        return "float"
    return "str" if isinstance(value, str) else type(value).__name__


def _same_kind(value: Any, current: Any) -> bool:
    """Whether a loaded parameter has the type of the current one (None where a number may be)."""
    new, old = _kind(value), _kind(current)
    if new == old or (new, old) == ("int", "float"):
        return True
    return "none" in (new, old) and {new, old} <= {"none", "int", "float"}


def _check_round_trip(state: dict, loaded: dict, template: dict, path: str = "state") -> None:
    """Refuse a state that did not load as given (a value coerced, a key unknown or missing)."""
    if set(state) != set(loaded):
        raise ValueError(f"{path} has keys {sorted(state)}, expected {sorted(loaded)}")
    for k, want in loaded.items():
        got, where = state[k], f"{path}[{k!r}]"
        if k == "backend" and path == "state":  # the memory keeps its own backend
            continue
        if isinstance(want, np.ndarray):
            old = template.get(k) if isinstance(template, dict) else None
            ok = (np.shape(got) == want.shape and np.asarray(got).dtype.kind in "biuf"
                  and (not isinstance(old, np.ndarray) or old.ndim == want.ndim)
                  and np.array_equal(np.asarray(got), want))
        elif isinstance(want, dict):
            if not isinstance(got, dict):
                raise TypeError(f"{where} must be a dict, got {_short(got)}")
            _check_round_trip(got, want, template.get(k, {}) if isinstance(template, dict) else {}, where)
            continue
        elif isinstance(want, (list, tuple)):
            ok = isinstance(got, (list, tuple)) and len(got) == len(want) and all(
                _kind(a) == _kind(b) and a == b for a, b in zip(got, want))
        else:
            ok = _kind(got) == _kind(want) and got == want
        if not ok:
            raise ValueError(f"{where} does not load as given (wrong type, shape or values): {_short(got)}")


# --------------------------------------------------------------------------- growing arrays

#: Spare rows an array growing by :func:`append_rows` gets at least when it is reallocated.
_SPARE_ROWS = 16


def append_rows(owner: Any, name: str, rows: np.ndarray) -> np.ndarray:
    """Rebind ``owner.<name>`` to ``np.concatenate([owner.<name>, rows])`` and return it, with
    amortised appends.

    The result is a new array object holding exactly the values, dtype and shape (C-contiguous)
    of the concatenation, but it is the filled part of a buffer with spare rows (half the filled
    rows, at least :data:`_SPARE_ROWS`; the first append to an empty array allocates exactly),
    so an append of a few rows copies only them. Rows are written past the end of every array
    handed out before, which therefore never changes; an attribute rebound by anything else
    (a reset, a load, a copy of the owner) starts a new buffer, as does a dtype or row shape
    that differs from the array's (then the result is ``np.concatenate``'s, promotion included).
    The buffers live in ``owner._row_buffers`` (name -> (buffer, array handed out)).
    """
    d = owner.__dict__
    cur = d[name]
    bufs = d.get("_row_buffers")
    if bufs is None:
        bufs = d["_row_buffers"] = {}
    n0 = cur.shape[0] if cur.ndim else 0
    if not n0 or rows.dtype != cur.dtype or rows.shape[1:] != cur.shape[1:] or rows.ndim != cur.ndim:
        out = np.concatenate([cur, rows])
        bufs.pop(name, None)
        d[name] = out
        return out
    n1 = n0 + rows.shape[0]
    entry = bufs.get(name)
    if entry is not None and entry[1] is cur and cur.base is entry[0] and n1 <= entry[0].shape[0]:
        buf = entry[0]
    else:
        buf = np.empty((n1 + max(_SPARE_ROWS, n1 >> 1),) + cur.shape[1:], dtype=cur.dtype)
        buf[:n0] = cur
    buf[n0:n1] = rows
    out = buf[:n1]
    bufs[name] = (buf, out)
    d[name] = out
    return out


def set_rows(owner: Any, name: str, rows: np.ndarray) -> np.ndarray:
    """Bind ``owner.<name>`` to a copy of ``rows`` (a NumPy array of at least one dimension)
    that :func:`append_rows` extends in place: the filled part of a buffer with spare rows (as
    after an append), C-contiguous, of ``rows``' dtype and shape. For loads, which are followed
    by appends (an agent restoring a memory writes to it next)."""
    d = owner.__dict__
    bufs = d.get("_row_buffers")
    if bufs is None:
        bufs = d["_row_buffers"] = {}
    if not rows.ndim:  # not rows: a plain copy (the loader's checks name the problem)
        d[name] = out = np.array(rows)
        bufs.pop(name, None)
        return out
    n = rows.shape[0]
    buf = np.empty((n + max(_SPARE_ROWS, n >> 1),) + rows.shape[1:], dtype=rows.dtype)
    buf[:n] = rows
    out = buf[:n]
    bufs[name] = (buf, out)
    d[name] = out
    return out


# --------------------------------------------------------------------------- shared base


class BaseMemory:
    """Bookkeeping shared by the array-based families: backend, seed, stored patterns.

    Subclasses set ``alphabet`` and implement ``_store`` / ``recall``; they list the
    constructor arguments in ``_params`` so ``state_dict`` can rebuild the object.
    """

    alphabet: str = "pm1"
    _params: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # every family answers in the caller's array library: a recall cued with a PyTorch
        # tensor returns tensors (see returns_caller_arrays)
        super().__init_subclass__(**kwargs)
        recall = cls.__dict__.get("recall")
        if callable(recall):
            cls.recall = returns_caller_arrays(recall)

    def __init__(self, n: int, *, backend: str = "auto", seed: int | None = None):
        from .backend import get_backend

        self.n = check_int("n", n, low=1)
        self.seed = check_seed("seed", seed)
        self.backend = get_backend(backend)
        self.rng = np.random.default_rng(self.seed)
        self.patterns = np.zeros((0, self.n), dtype=np.int8)

    # -- protocol -----------------------------------------------------------------------
    def __len__(self) -> int:
        return int(self.patterns.shape[0])

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={getattr(self, k)!r}" for k in ("n",) + self._params)
        return f"{type(self).__name__}({args}, backend={self.backend.name!r}, stored={len(self)})"

    def reset(self) -> None:
        """Forget every stored pattern and restart the random generator from the seed."""
        self.patterns = np.zeros((0, self.n), dtype=np.int8)
        self.rng = np.random.default_rng(self.seed)
        self._reset()

    def _reset(self) -> None:  # subclasses clear their weights here
        pass

    def _check_store(self, patterns: Any) -> np.ndarray:
        return check_patterns("patterns", patterns, alphabet=self.alphabet, n=self.n)

    def _check_cues(self, cues: Any, alphabet: str | None = None) -> np.ndarray:
        return check_patterns("cues", cues, alphabet=alphabet or self.alphabet, n=self.n)

    def state_dict(self) -> dict:
        """Everything needed to rebuild this memory exactly (plain NumPy arrays and scalars)."""
        state = {
            "class": type(self).__name__,
            "n": self.n,
            "seed": self.seed,
            "backend": self.backend.name,
            "params": {k: getattr(self, k) for k in self._params},
            "patterns": self.patterns.copy(),
            "rng": self.rng.bit_generator.state,
        }
        state.update(self._extra_state())
        return state

    def _extra_state(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        """Restore a state produced by :meth:`state_dict` of the same class and size.

        Anything else (another class or size, a key missing, a value of the wrong type or
        number of dimensions) is refused with ValueError or TypeError naming ``state``, and
        the memory is left exactly as it was.
        """
        from .backend import backend_names

        if not isinstance(state, dict):
            raise TypeError(f"state must be a dict from state_dict(), got {type(state).__name__}")
        cls = state.get("class")
        if not isinstance(cls, str) or cls != type(self).__name__:
            raise ValueError(f"state is for class {_short(cls)}, not {type(self).__name__!r}")
        n = state.get("n")
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n != self.n:
            raise ValueError(f"state has n={_short(n)}, this memory has n={self.n}")
        missing = [k for k in ("seed", "backend", "params", "patterns", "rng") if k not in state]
        if missing:
            raise ValueError(f"state lacks {missing}: not a state_dict() of {type(self).__name__}")
        params = state["params"]
        if not isinstance(params, dict) or set(params) != set(self._params):
            raise ValueError(f"state['params'] must be a dict of {sorted(self._params)}, got {_short(params)}")
        for k, v in params.items():
            if not _same_kind(v, getattr(self, k)):
                raise TypeError(f"state['params'][{k!r}] must be of the type of {getattr(self, k)!r}, got {_short(v)}")
        check_seed("state['seed']", state["seed"])
        if not isinstance(state["backend"], str) or state["backend"] not in backend_names():
            raise ValueError(f"state['backend'] must be one of {backend_names()}, got {_short(state['backend'])}")
        if self.alphabet in ALPHABETS:
            check_patterns("state['patterns']", state["patterns"], alphabet=self.alphabet, n=self.n, allow_empty=True)
        template = self.state_dict()
        saved = dict(self.__dict__)  # loading rebinds attributes: this undoes a refused load
        try:
            for k, v in params.items():
                setattr(self, k, v)
            self.seed = state["seed"]
            set_rows(self, "patterns", np.asarray(state["patterns"], dtype=self.patterns.dtype))
            if self.alphabet not in ALPHABETS and (self.patterns.ndim != 2 or self.patterns.shape[1] != self.n
                                                   or not np.isfinite(self.patterns).all()):
                raise ValueError(f"state['patterns'] must be a finite (P, {self.n}) array, got "
                                 f"{_short(state['patterns'])}")
            self.rng = np.random.default_rng()
            self.rng.bit_generator.state = state["rng"]
            self._load_extra_state(state)
            _check_round_trip(state, self.state_dict(), template)
        except Exception as exc:
            self.__dict__.clear()
            self.__dict__.update(saved)
            if isinstance(exc, (ValueError, TypeError)) and "state" in str(exc):
                raise
            if isinstance(exc, (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)):
                raise ValueError(f"state is not a state_dict() of {type(self).__name__}: "
                                 f"{type(exc).__name__}: {exc}") from exc
            raise

    def _load_extra_state(self, state: dict) -> None:
        pass
