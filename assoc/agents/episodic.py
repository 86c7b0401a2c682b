"""Memories as a library for agents: an episodic key-value memory over any family, encoders
from continuous observations to a family's alphabet, a conformance check, and a gymnasium
wrapper.

Key-value memory over any family
--------------------------------
:class:`EpisodicMemory` writes ``(key, value)`` pairs and reads values back from keys, in
batches, over any registered family (see :func:`episodic_families`):

- *auto-associative* families (Hopfield, dense associative memories, the modern Hopfield
  network) store the concatenation ``[key | value]`` as one pattern. A read cues the memory
  with ``[key | ?]``, the value part erased (0: unknown for +/-1 memories, inactive for
  {0,1} memories, zero for real memories), and the dynamics complete the fragment
  (pattern completion; Hopfield 1982; Ramsauer et al. 2021 show that one step of the modern
  Hopfield update on such a cue is softmax attention over the stored keys). Where the family
  supports it the key part is clamped during recall.
- *hetero-associative* families (Willshaw and the other sparse-distributed memories) store
  ``store(keys, values)`` and read ``recall(keys)`` directly (Willshaw, Buneman &
  Longuet-Higgins 1969; Kanerva 1988).

Continuous observations reach a family's alphabet through a seeded encoder: the sign of a
random Gaussian projection for +/-1 memories (random-hyperplane hashing: two inputs at angle
theta disagree on a bit with probability theta / pi; Charikar 2002), and k-winners-take-all
of a random projection for {0,1} memories (the fly olfactory hash, Dasgupta, Stevens &
Navlakha 2017, Science 358:793).

Conformance
-----------
:func:`check_memory` runs any object that follows the :class:`assoc.memory.Memory` protocol
(a family of this package or a user's own class) through the contract every memory keeps,
in the spirit of gymnasium's ``check_env`` and scikit-learn's ``check_estimator``.

Gymnasium
---------
``MemoryObservation(env, memory, ...)`` (needs the optional ``gymnasium`` dependency,
``pip install 'assoc[agents]'``; imported only when the wrapper is first used) writes each
observation to an episodic memory and adds what it recalls to a ``Dict`` observation.
"""

from __future__ import annotations

import copy
import importlib
import pickle
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..registry import Family, available_families, get_family
from ..memory import (
    ALPHABETS,
    Recall,
    _short,
    check_choice,
    check_float,
    check_int,
    check_patterns,
    check_seed,
    to_numpy,
)

#: Alphabets a memory may declare: the three discrete ones of :mod:`assoc.memory` and "real".
MEMORY_ALPHABETS = tuple(ALPHABETS) + ("real",)

EVICTIONS = ("fifo", "lru", None)


# --------------------------------------------------------------------------- validation


def _check_real(name: str, x: Any, dim: int | None, *, what: str = "columns") -> np.ndarray:
    """A finite real ``(B, dim)`` batch with B >= 1, as float64 (NaN and inf refused)."""
    x = to_numpy(x)
    try:
        arr = np.asarray(x)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} must be a real array of shape (batch, {dim}), got {_short(x)}") from exc
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating) or arr.dtype == bool
    ):
        raise TypeError(f"{name} must be a real (integer or float) array, got dtype {arr.dtype}")
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (batch, {dim}) (batch first), got shape {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} {what}, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one row, got shape {arr.shape}")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return np.ascontiguousarray(arr)


def _check_batch(name: str, x: Any, alphabet: str, dim: int, *, what: str) -> np.ndarray:
    """A ``(B, dim)`` batch in ``alphabet`` ("real" or one of :data:`assoc.memory.ALPHABETS`)."""
    if alphabet == "real":
        return _check_real(name, x, dim, what=what)
    arr = to_numpy(x)
    if isinstance(arr, np.ndarray) and arr.ndim == 2 and arr.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} {what}, got shape {arr.shape}")
    return check_patterns(name, arr, alphabet=alphabet, n=dim)


# --------------------------------------------------------------------------- encoders


class Encoder:
    """A seeded map from real ``(B, in_dim)`` inputs to ``(B, out_dim)`` codes in ``alphabet``.

    Subclasses set ``alphabet`` and implement ``_encode``. The random projection is drawn once
    from ``seed`` when the encoder is built, so an encoder is reusable: the same input always
    gives the same code, and ``state_dict`` / ``load_state_dict`` carry it exactly.
    """

    alphabet: str = "pm1"
    _params: tuple[str, ...] = ()

    def __init__(self, in_dim: int, out_dim: int, *, seed: int | None = None):
        self.in_dim = check_int("in_dim", in_dim, low=1)
        self.out_dim = check_int("out_dim", out_dim, low=1)
        self.seed = check_seed("seed", seed)
        rng = np.random.default_rng(self.seed)
        self.weights = rng.standard_normal((self.in_dim, self.out_dim))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={getattr(self, k)!r}" for k in self._params)
        return f"{type(self).__name__}(in_dim={self.in_dim}, out_dim={self.out_dim}{extra}, seed={self.seed!r})"

    def __call__(self, x: Any) -> np.ndarray:
        return self.encode(x)

    def encode(self, x: Any) -> np.ndarray:
        """Codes of a ``(B, in_dim)`` batch of finite real inputs: ``(B, out_dim)`` int8."""
        return self._encode(_check_real("x", x, self.in_dim))

    def _encode(self, x: np.ndarray) -> np.ndarray:
        raise TypeError(f"{type(self).__name__} does not define _encode")

    def state_dict(self) -> dict:
        return {
            "class": type(self).__name__,
            "in_dim": self.in_dim,
            "out_dim": self.out_dim,
            "seed": self.seed,
            "params": {k: getattr(self, k) for k in self._params},
            "weights": self.weights.copy(),
        }

    def load_state_dict(self, state: dict) -> None:
        if not isinstance(state, dict) or state.get("class") != type(self).__name__:
            found = state.get("class") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"state is for encoder {found!r}, not {type(self).__name__!r}")
        if (state["in_dim"], state["out_dim"]) != (self.in_dim, self.out_dim):
            raise ValueError(
                f"state has in_dim={state['in_dim']}, out_dim={state['out_dim']}; this encoder has "
                f"in_dim={self.in_dim}, out_dim={self.out_dim}"
            )
        for k, v in state["params"].items():
            setattr(self, k, v)
        self.seed = state["seed"]
        self.weights = np.array(state["weights"], dtype=np.float64)


class SignProjection(Encoder):
    """``code = sign(x W)`` with W a seeded ``(in_dim, out_dim)`` standard Gaussian matrix.

    Random-hyperplane hashing (Charikar 2002): two inputs at angle theta give codes that
    differ on each bit independently with probability ``theta / pi``, so the Hamming distance
    of codes estimates the angle of inputs. A projection of exactly 0 gives +1.

    Codes are +/-1 (``int8``): the alphabet of the Hopfield and dense memories.
    """

    alphabet = "pm1"

    def _encode(self, x: np.ndarray) -> np.ndarray:
        return np.where(x @ self.weights >= 0, 1, -1).astype(np.int8)


class KWTAProjection(Encoder):
    """k-winners-take-all of a seeded random Gaussian projection: ``k`` ones per code.

    The fly olfactory circuit expands its input through random connections and keeps the
    most active few percent of Kenyon cells (Dasgupta, Stevens & Navlakha 2017): similar
    inputs share many winners, so overlap of codes tracks similarity of inputs. Ties are
    broken towards the lower index.

    Parameters
    ----------
    in_dim, out_dim : int
    k : int, optional
        Winners per code, 1 <= k <= out_dim; defaults to ``max(2, round(0.05 out_dim))``.
    seed : int or None

    Codes are {0,1} (``int8``) with exactly ``k`` ones: the alphabet of the SDR memories.
    """

    alphabet = "binary"
    _params = ("k",)

    def __init__(self, in_dim: int, out_dim: int, k: int | None = None, *, seed: int | None = None):
        super().__init__(in_dim, out_dim, seed=seed)
        default = min(self.out_dim, max(2, int(round(0.05 * self.out_dim))))
        self.k = default if k is None else check_int("k", k, low=1, high=self.out_dim)

    def _encode(self, x: np.ndarray) -> np.ndarray:
        h = x @ self.weights
        win = np.argsort(-h, axis=1, kind="stable")[:, : self.k]
        out = np.zeros(h.shape, dtype=np.int8)
        np.put_along_axis(out, win, 1, axis=1)
        return out


class BinarySignProjection(Encoder):
    """``code = (x W >= 0)``: the random-hyperplane code of :class:`SignProjection` as dense {0,1}.

    About half the bits are 1; Hamming distances of codes estimate angles of inputs exactly as
    for :class:`SignProjection`. This suits memories addressed by Hamming distance to random
    dense addresses (Kanerva's sparse distributed memory), where a sparse code would be almost
    equally far from every address.
    """

    alphabet = "binary"

    def _encode(self, x: np.ndarray) -> np.ndarray:
        return (x @ self.weights >= 0).astype(np.int8)


ENCODERS: dict[str, type[Encoder]] = {
    "SignProjection": SignProjection,
    "KWTAProjection": KWTAProjection,
    "BinarySignProjection": BinarySignProjection,
}


def default_encoder(kind: str, in_dim: int, out_dim: int | None = None, *, seed: int | None = None):
    """The encoder ``kind`` that a family declares for ``encoder="auto"``.

    ``"sign"``: :class:`SignProjection` to ``out_dim`` bits (default ``max(64, in_dim)``);
    ``"kwta"``: :class:`KWTAProjection` to ``out_dim`` units (default ``max(256, 4 in_dim)``);
    ``"binary_sign"``: :class:`BinarySignProjection` (default ``max(64, in_dim)`` bits);
    ``None``: no encoder (real keys are used as they are).
    """
    if kind is None:
        return None
    if kind == "sign":
        return SignProjection(in_dim, out_dim if out_dim is not None else max(64, in_dim), seed=seed)
    if kind == "kwta":
        return KWTAProjection(in_dim, out_dim if out_dim is not None else max(256, 4 * in_dim), seed=seed)
    if kind == "binary_sign":
        return BinarySignProjection(in_dim, out_dim if out_dim is not None else max(64, in_dim), seed=seed)
    raise ValueError(f"encoder kind must be one of ('sign', 'kwta', 'binary_sign', None), got {kind!r}")


# --------------------------------------------------------------------------- families
# EpisodicMemory reads the one family registry, assoc.registry: a family's ``encoder``,
# ``clamp``, ``recall_kwargs``, ``n_out`` and ``agent_defaults`` say how it serves as a
# key-value memory, and ``agent=False`` marks the families it does not drive.


def episodic_families() -> dict[str, Family]:
    """The registered families EpisodicMemory can drive and whose class imports here."""
    return {k: f for k, f in available_families().items() if f.agent}


def _episodic_family(name: Any) -> Family:
    fam = get_family(name)
    if fam.name not in episodic_families():
        why = ("its class cannot be imported here" if fam.name not in available_families()
               else "it is not usable as a key-value memory")
        raise ValueError(f"family must be one of {sorted(episodic_families())} for EpisodicMemory, "
                         f"got {fam.name!r} ({why})")
    return fam


# --------------------------------------------------------------------------- episodic memory

#: ``Recall.extra`` entries (B, P) holding a family's own match with each stored item, read as
#: the score in place of the cosine ``overlaps``: the modern Hopfield network's softmax
#: attention, Sparsey's code agreement, the dendritic segments' subsample overlap and Kanerva's
#: Hamming similarity.
_MATCH_KEYS = ("attention", "code_agreement", "subsample_overlap", "hamming_similarity")


def _match_scores(out: Any) -> Any:
    """The (B, P) matrix a read scores with: a family's own match, else ``out.overlaps``."""
    extra = getattr(out, "extra", None) or {}
    for key in _MATCH_KEYS:
        if key in extra:
            return extra[key]
    return out.overlaps


class EpisodicMemory:
    """Key-value episodic memory over any registered family, batch first.

    Parameters
    ----------
    family : str
        A name from :func:`episodic_families` (``"hopfield"``, ``"dense"``,
        ``"modern_hopfield"``, ``"willshaw"``, ...).
    key_dim : int
        Entries per key as given to :meth:`write` / :meth:`read` (before encoding).
    value_dim : int
        Entries per value. Values are in the family's alphabet: +/-1 for ``"pm1"`` families,
        {0,1} for ``"binary"`` ones, any finite reals for ``"real"`` ones.
    capacity : int or None
        Most items held; None: no limit.
    eviction : {"fifo", "lru", None}
        Which items make room when a write would exceed ``capacity``: the oldest written, or
        the least recently written or read (a read uses the item its recall lands on). With
        None a write beyond capacity raises ``ValueError``. Families cannot unlearn one item,
        so an eviction rebuilds the memory from the items kept (in their order of writing).
    encoder : None, "auto" or Encoder
        None: keys are already codes in the family's alphabet. ``"auto"``: the family's
        default encoder (:func:`default_encoder`) from ``key_dim`` to ``code_dim``, seeded
        from ``seed``. An :class:`Encoder` whose ``in_dim`` is ``key_dim`` and whose alphabet
        is the family's (any encoder suits a family of real patterns).
    code_dim : int, optional
        Output length of the ``"auto"`` encoder.
    backend : {"auto", "numpy", "numba", "cupy"}
        Backend of the family; reads return arrays of it (NumPy unless it is cupy).
    seed : int or None
        Seeds the family and the ``"auto"`` encoder.
    **family_kwargs
        Passed to the family's constructor (``rule=``, ``degree=``, ``beta=``, ...).

    Notes
    -----
    Families have their own preferred codes: Willshaw's k-WTA read-out returns as many active
    bits as the stored values have on average (use values with a fixed number of active
    bits), and Kanerva's counters expect dense {0,1} data (about half the bits active).

    Scores are the family's own confidence in a read: the largest overlap of the recalled
    state with a stored item (Mattis overlap in [-1, 1] for +/-1 families, the cosine overlap
    of the recalled value with the nearest stored value for Willshaw, the largest softmax
    weight for the modern Hopfield network). A read from an empty memory returns zero values
    and zero scores.

    Examples
    --------
    >>> import numpy as np
    >>> from assoc.agents import EpisodicMemory
    >>> mem = EpisodicMemory("hopfield", key_dim=8, value_dim=16, encoder="auto", code_dim=128,
    ...                      backend="numpy", seed=0)
    >>> rng = np.random.default_rng(1)
    >>> keys = rng.normal(size=(5, 8)); values = rng.choice([-1, 1], size=(5, 16))
    >>> mem.write(keys, values)
    >>> out, score = mem.read(keys)
    >>> bool((out == values).all())
    True
    """

    def __init__(
        self,
        family: str = "hopfield",
        key_dim: int = 64,
        value_dim: int = 16,
        *,
        capacity: int | None = None,
        eviction: str | None = "fifo",
        encoder: Any = None,
        code_dim: int | None = None,
        backend: str = "auto",
        seed: int | None = None,
        **family_kwargs: Any,
    ):
        self.family = _episodic_family(family)
        self.key_dim = check_int("key_dim", key_dim, low=1)
        self.value_dim = check_int("value_dim", value_dim, low=1)
        self.capacity = None if capacity is None else check_int("capacity", capacity, low=1)
        if eviction is not None and not isinstance(eviction, str):
            raise TypeError(f"eviction must be one of {EVICTIONS}, got {eviction!r}")
        if eviction not in EVICTIONS:
            raise ValueError(f"eviction must be one of {EVICTIONS}, got {eviction!r}")
        self.eviction = eviction
        self.seed = check_seed("seed", seed)
        self.backend_name = backend if isinstance(backend, str) else getattr(backend, "name", backend)
        self.family_kwargs = dict(family_kwargs)
        alphabet = self.family.alphabet
        if code_dim is not None:
            code_dim = check_int("code_dim", code_dim, low=1)
            if not (isinstance(encoder, str) and encoder == "auto"):
                raise ValueError(f"code_dim={code_dim} is only used with encoder='auto', got encoder={encoder!r}")
        if encoder is None:
            self.encoder = None
        elif isinstance(encoder, str):
            if encoder != "auto":
                raise ValueError(f"encoder must be None, 'auto' or an Encoder, got {encoder!r}")
            self.encoder = default_encoder(self.family.encoder, self.key_dim, code_dim, seed=self.seed)
        elif isinstance(encoder, Encoder) or (hasattr(encoder, "encode") and hasattr(encoder, "out_dim")):
            if getattr(encoder, "in_dim", None) != self.key_dim:
                raise ValueError(
                    f"encoder.in_dim must equal key_dim={self.key_dim}, got {getattr(encoder, 'in_dim', None)}"
                )
            if alphabet != "real" and getattr(encoder, "alphabet", None) != alphabet:
                raise ValueError(
                    f"encoder.alphabet must be the family's alphabet {alphabet!r} (family {self.family.name!r}), "
                    f"got {getattr(encoder, 'alphabet', None)!r}"
                )
            self.encoder = encoder
        else:
            raise TypeError(f"encoder must be None, 'auto' or an Encoder, got {_short(encoder)}")
        self.code_dim = self.key_dim if self.encoder is None else int(self.encoder.out_dim)
        self.memory = self.family.build_for_agent(self.code_dim, self.value_dim, backend=backend, seed=self.seed,
                                        **self.family_kwargs)
        self._clear()

    # ------------------------------------------------------------------ bookkeeping
    def _clear(self) -> None:
        dtype = np.float64 if self.family.alphabet == "real" else np.int8
        self._keys = np.zeros((0, self.code_dim), dtype=dtype)
        self._values = np.zeros((0, self.value_dim), dtype=dtype)
        self._used = np.zeros(0, dtype=np.int64)
        self._tick = 0

    def __len__(self) -> int:
        return int(self._keys.shape[0])

    def __repr__(self) -> str:
        return (
            f"EpisodicMemory(family={self.family.name!r}, key_dim={self.key_dim}, value_dim={self.value_dim}, "
            f"capacity={self.capacity}, eviction={self.eviction!r}, encoder={self.encoder!r}, stored={len(self)})"
        )

    @property
    def alphabet(self) -> str:
        """Alphabet of the values (and of the key codes)."""
        return self.family.alphabet

    @property
    def backend(self):
        return getattr(self.memory, "backend", None)

    def _out(self, x: np.ndarray):
        be = self.backend
        return be.asarray(x) if be is not None and hasattr(be, "asarray") else x

    def reset(self) -> None:
        """Forget every item (the encoder is kept: codes stay comparable across episodes)."""
        self.memory.reset()
        self._clear()

    # ------------------------------------------------------------------ encoding
    def encode(self, keys: Any) -> np.ndarray:
        """Key codes ``(B, code_dim)`` of a ``(B, key_dim)`` batch of keys."""
        if self.encoder is not None:
            x = _check_real("keys", keys, self.key_dim)
            return np.asarray(self.encoder.encode(x))
        codes = _check_batch("keys", keys, self.family.alphabet, self.key_dim, what="columns (key_dim)")
        if self.family.alphabet == "binary":
            empty = np.nonzero(codes.sum(axis=1) == 0)[0]
            if empty.size:
                raise ValueError(
                    f"keys must have at least one active bit per row; rows {empty[:5].tolist()} are all zero"
                )
        return codes

    def _check_values(self, values: Any) -> np.ndarray:
        return _check_batch("values", values, self.family.alphabet, self.value_dim, what="columns (value_dim)")

    # ------------------------------------------------------------------ write
    def write(self, keys: Any, values: Any) -> None:
        """Store a batch of ``(B, key_dim)`` keys with their ``(B, value_dim)`` values.

        Items are kept in order of writing; if the batch overflows ``capacity`` the eviction
        policy makes room (a batch longer than ``capacity`` keeps its last ``capacity`` rows).
        """
        codes = self.encode(keys)
        vals = self._check_values(values)
        if len(codes) != len(vals):
            raise ValueError(f"values must have one row per key: got {len(vals)} values for {len(codes)} keys")
        b = len(codes)
        ticks = self._tick + np.arange(1, b + 1, dtype=np.int64)
        self._tick += b
        if self.capacity is not None and len(self) + b > self.capacity:
            if self.eviction is None:
                raise ValueError(
                    f"memory is full: capacity={self.capacity}, holding {len(self)}, writing {b}; "
                    f"choose eviction='fifo' or 'lru' to make room"
                )
            if b >= self.capacity:
                keep = np.zeros(len(self), dtype=bool)
                codes, vals, ticks = codes[-self.capacity:], vals[-self.capacity:], ticks[-self.capacity:]
            else:
                drop = len(self) + b - self.capacity
                keep = np.ones(len(self), dtype=bool)
                if self.eviction == "fifo":
                    keep[:drop] = False
                else:
                    order = np.lexsort((np.arange(len(self)), self._used))  # least recent, then oldest
                    keep[order[:drop]] = False
            self._keys = np.concatenate([self._keys[keep], codes])
            self._values = np.concatenate([self._values[keep], vals])
            self._used = np.concatenate([self._used[keep], ticks])
            self.memory.reset()
            self._store(self._keys, self._values)
            return
        self._store(codes, vals)
        self._keys = np.concatenate([self._keys, codes])
        self._values = np.concatenate([self._values, vals])
        self._used = np.concatenate([self._used, ticks])

    def _store(self, codes: np.ndarray, vals: np.ndarray) -> None:
        if self.family.episodic_mode == "auto":
            self.memory.store(np.concatenate([codes, vals], axis=1))
        else:
            self.memory.store(codes, vals)

    # ------------------------------------------------------------------ read
    def read(self, keys: Any) -> tuple[Any, Any]:
        """Values recalled from a ``(B, key_dim)`` batch of keys, and a score per key.

        Returns
        -------
        values : array, shape (B, value_dim)
            In the family's alphabet (``int8`` for +/-1 and {0,1} families, float64 for real
            ones); zeros where the memory is empty.
        scores : array of float64, shape (B,)
            The family's confidence (see the class notes); 0 where the memory is empty.
        """
        values, scores, _ = self.read_recall(keys)
        return values, scores

    def read_recall(self, keys: Any) -> tuple[Any, Any, Recall | None]:
        """Like :meth:`read`, plus the family's full :class:`~assoc.memory.Recall` (None when empty)."""
        codes = self.encode(keys)
        b = len(codes)
        if len(self) == 0:
            dtype = np.float64 if self.family.alphabet == "real" else np.int8
            return self._out(np.zeros((b, self.value_dim), dtype=dtype)), self._out(np.zeros(b)), None
        if self.family.episodic_mode == "auto":
            cue = np.concatenate([codes, np.zeros((b, self.value_dim), dtype=codes.dtype)], axis=1)
            kwargs = dict(self.family.recall_kwargs)
            if self.family.clamp and getattr(self.memory, "dynamics", None) != "sync":
                mask = np.zeros(cue.shape, dtype=bool)
                mask[:, : self.code_dim] = True
                kwargs["clamp"] = mask
            out = self.memory.recall(cue, **kwargs)
            states = np.asarray(to_numpy(out.states))[:, self.code_dim:]
        else:
            out = self.memory.recall(codes, **self.family.recall_kwargs)
            states = np.asarray(to_numpy(out.states))
        overlaps = np.asarray(to_numpy(_match_scores(out)), dtype=np.float64)
        scores = overlaps.max(axis=1) if overlaps.size else np.zeros(b)
        if self.eviction == "lru" and overlaps.shape[1] == len(self):
            self._tick += 1
            self._used[overlaps.argmax(axis=1)] = self._tick
        dtype = np.float64 if self.family.alphabet == "real" else np.int8
        return self._out(states.astype(dtype)), self._out(scores), out

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict:
        """Everything needed to rebuild this memory exactly (plain arrays and scalars)."""
        return {
            "class": "EpisodicMemory",
            "family": self.family.name,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "capacity": self.capacity,
            "eviction": self.eviction,
            "seed": self.seed,
            "backend": self.backend_name,
            "family_kwargs": copy.deepcopy(self.family_kwargs),
            "encoder": None if self.encoder is None else self.encoder.state_dict(),
            "memory": self.memory.state_dict(),
            "keys": self._keys.copy(),
            "values": self._values.copy(),
            "used": self._used.copy(),
            "tick": self._tick,
        }

    def load_state_dict(self, state: dict) -> None:
        """Restore a state from :meth:`state_dict` of a memory with the same family and sizes."""
        if not isinstance(state, dict) or state.get("class") != "EpisodicMemory":
            raise ValueError("state must be a dict from EpisodicMemory.state_dict()")
        for k in ("family", "key_dim", "value_dim"):
            mine = self.family.name if k == "family" else getattr(self, k)
            if state[k] != mine:
                raise ValueError(f"state has {k}={state[k]!r}, this memory has {k}={mine!r}")
        if (state["encoder"] is None) != (self.encoder is None):
            raise ValueError("state and memory disagree on whether keys are encoded (encoder None or not)")
        if self.encoder is not None:
            self.encoder.load_state_dict(state["encoder"])
        self.capacity = state["capacity"]
        self.eviction = state["eviction"]
        self.memory.load_state_dict(state["memory"])
        self._keys = np.array(state["keys"])
        self._values = np.array(state["values"])
        self._used = np.array(state["used"], dtype=np.int64)
        self._tick = int(state["tick"])

    @classmethod
    def from_state_dict(cls, state: dict) -> "EpisodicMemory":
        """Build a memory from a :meth:`state_dict` (built-in encoders only)."""
        if not isinstance(state, dict) or state.get("class") != "EpisodicMemory":
            raise ValueError("state must be a dict from EpisodicMemory.state_dict()")
        enc = None
        if state["encoder"] is not None:
            name = state["encoder"]["class"]
            if name not in ENCODERS:
                raise ValueError(f"encoder class {name!r} is not built in ({sorted(ENCODERS)}); build the "
                                 f"memory with your encoder and call load_state_dict")
            e = state["encoder"]
            enc = ENCODERS[name](e["in_dim"], e["out_dim"], **e["params"], seed=e["seed"])
        mem = cls(state["family"], state["key_dim"], state["value_dim"], capacity=state["capacity"],
                  eviction=state["eviction"], encoder=enc, backend=state["backend"], seed=state["seed"],
                  **state["family_kwargs"])
        mem.load_state_dict(state)
        return mem


# --------------------------------------------------------------------------- conformance


class MemoryCheckError(AssertionError):
    """A memory broke the contract checked by :func:`check_memory`; the message names the check."""


def _fail(check: str, msg: str) -> None:
    raise MemoryCheckError(f"[{check}] {msg}")


def _probe_patterns(alphabet: str, p: int, n: int, rng: np.random.Generator, density: float = 0.1) -> np.ndarray:
    """Random patterns well inside every family's comfortable regime."""
    if alphabet == "pm1":
        return np.where(rng.random((p, n)) < 0.5, -1, 1).astype(np.int8)
    if alphabet == "binary":
        k = max(1, int(round(density * n)))
        out = np.zeros((p, n), dtype=np.int8)
        for row in out:
            row[rng.choice(n, size=k, replace=False)] = 1
        return out
    if alphabet == "ternary":
        x = np.where(rng.random((p, n)) < 0.5, -1, 1).astype(np.int8)
        x[rng.random((p, n)) < 0.2] = 0
        x[:, 0] = np.where(x[:, 0] == 0, 1, x[:, 0])  # no all-zero row
        return x
    x = rng.standard_normal((p, n))
    return x / np.linalg.norm(x, axis=1, keepdims=True) * np.sqrt(n)


def _expect_error(check: str, names: tuple[str, ...], fn: Callable, what: str) -> None:
    try:
        fn()
    except (ValueError, TypeError) as exc:
        text = str(exc)
        if not text or not any(nm in text for nm in names):
            _fail(check, f"{what}: the error must name the argument ({' or '.join(names)}), got {text!r}")
        return
    except Exception as exc:  # wrong kind of error
        _fail(check, f"{what}: expected ValueError or TypeError, got {type(exc).__name__}: {exc}")
    _fail(check, f"{what}: accepted without error")


def _clone(mem: Any) -> Any:
    """A deep copy of ``mem`` that shares the attributes that cannot be copied (array modules)."""
    memo: dict = {}
    for value in vars(mem).values() if hasattr(mem, "__dict__") else ():
        try:
            copy.deepcopy(value)
        except Exception:
            memo[id(value)] = value
    return copy.deepcopy(mem, memo)


def _host(x: Any) -> np.ndarray:
    return np.asarray(to_numpy(x))


def check_memory(
    mem: Any,
    *,
    n_patterns: int | None = None,
    values: Callable[[np.ndarray, int], Any] | None = None,
    density: float = 0.1,
    seed: int = 0,
) -> list[str]:
    """Run a memory through the contract of the :class:`assoc.memory.Memory` protocol.

    The memory is reset first and left reset at the end. Checks, in order (each failure
    raises :class:`MemoryCheckError` naming the check):

    ``protocol``        ``n`` (int >= 1), ``alphabet`` (one of "pm1", "binary", "ternary",
                        "real") and the methods store, recall, reset, state_dict,
                        load_state_dict, ``__len__``
    ``reset``           a reset memory holds nothing
    ``store``           ``len`` counts the stored rows; storage is online (a second batch adds)
    ``recall``          ``recall`` returns a Recall-like object: states (B, n_out) in the
                        alphabet (finite reals for "real"), overlaps (B, P), steps and
                        converged (B,)
    ``retrieval``       at low load (a few random patterns) every stored pattern, cued with
                        itself (or its key), is the one its recall lands on (``overlaps``
                        argmax), also for a batch of one
    ``inputs``          store and recall leave the caller's arrays untouched
    ``state_dict``      the state pickles and does not change when more is stored (no
                        aliasing); a copy loaded from it recalls exactly what the original
                        recalled when the state was taken; loading it back undoes later storage
    ``bad_input``       wrong column count, 1-D input, an empty batch, NaN and (discrete
                        alphabets) an out-of-alphabet value raise ValueError/TypeError naming
                        the argument (``patterns``/``cues``/``values``), and a refused store
                        stores nothing
    ``empty``           after ``reset``, recall raises ValueError or returns a valid result

    Parameters
    ----------
    mem : object following the Memory protocol
        Hetero-associative memories (``mem.n_out != mem.n``) are stored with
        ``store(keys, values)`` and random values of ``n_out`` entries.
    n_patterns : int, optional
        Patterns stored (default ``max(1, min(4, n // 16))``).
    values : callable, optional
        ``values(patterns, first) -> values`` for memories whose ``store`` needs a second
        argument that is not a pattern batch (e.g. the labels of a dense Hebbian network);
        ``first`` is the number of rows already stored.
    density : float
        Fraction of active bits of the {0,1} probe patterns (0.1: sparse codes; memories
        addressed by Hamming distance to dense random addresses, like Kanerva's, want 0.5).
    seed : int

    Returns
    -------
    list of str
        Names of the checks passed.
    """
    passed: list[str] = []
    rng = np.random.default_rng(seed)
    density = check_float("density", density, low=0, high=1, low_open=True)

    # protocol
    for attr in ("store", "recall", "reset", "state_dict", "load_state_dict", "__len__"):
        if not callable(getattr(mem, attr, None)):
            _fail("protocol", f"{type(mem).__name__} has no method {attr}()")
    n = getattr(mem, "n", None)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        _fail("protocol", f"mem.n must be an integer >= 1, got {n!r}")
    n = int(n)
    alphabet = getattr(mem, "alphabet", None)
    if alphabet not in MEMORY_ALPHABETS:
        _fail("protocol", f"mem.alphabet must be one of {MEMORY_ALPHABETS}, got {alphabet!r}")
    n_out = int(getattr(mem, "n_out", n) or n)
    hetero = n_out != n
    passed.append("protocol")

    # reset
    mem.reset()
    if len(mem) != 0:
        _fail("reset", f"len(mem) is {len(mem)} after reset(), expected 0")
    passed.append("reset")

    p = n_patterns if n_patterns is not None else max(1, min(4, n // 16))
    p = check_int("n_patterns", p, low=1)
    val_alphabet = "binary" if alphabet == "binary" else alphabet

    def batch(count: int, first: int):
        pats = _probe_patterns(alphabet, count, n, rng, density)
        if values is not None:
            return pats, values(pats, first)
        if hetero:
            return pats, _probe_patterns(val_alphabet, count, n_out, rng, density)
        return pats, None

    def store(pats, vals):
        return mem.store(pats) if vals is None else mem.store(pats, vals)

    # store (online)
    pats, vals = batch(p, 0)
    pats_copy = pats.copy()
    vals_copy = None if vals is None else np.array(vals, copy=True)
    store(pats, vals)
    if len(mem) != p:
        _fail("store", f"len(mem) is {len(mem)} after storing {p} patterns")
    more, more_vals = batch(1, p)
    store(more, more_vals)
    if len(mem) != p + 1:
        _fail("store", f"len(mem) is {len(mem)} after storing {p} then 1 more pattern (online storage)")
    all_pats = np.concatenate([pats, more])
    passed.append("store")

    # recall: shapes and alphabet
    cues = all_pats.copy()
    out = mem.recall(cues)
    for attr in ("states", "overlaps", "steps", "converged"):
        if not hasattr(out, attr):
            _fail("recall", f"recall() result has no attribute {attr!r} (return an assoc.memory.Recall)")
    b = len(cues)
    states = _host(out.states)
    overlaps = _host(out.overlaps)
    if states.shape != (b, n_out):
        _fail("recall", f"states must have shape {(b, n_out)}, got {states.shape}")
    if overlaps.ndim != 2 or overlaps.shape[0] != b:
        _fail("recall", f"overlaps must have shape ({b}, P), got {overlaps.shape}")
    for attr in ("steps", "converged"):
        shape = np.shape(_host(getattr(out, attr)))
        if shape != (b,):
            _fail("recall", f"{attr} must have shape ({b},), got {shape}")
    if alphabet == "real":
        if not np.all(np.isfinite(states.astype(np.float64))):
            _fail("recall", "states contain NaN or infinite values")
    else:
        allowed = ALPHABETS["ternary" if alphabet == "pm1" else alphabet]
        if not np.isin(states, allowed).all():
            _fail("recall", f"states must hold values in {set(allowed)}, found {np.unique(states)[:5].tolist()}")
    passed.append("recall")

    # retrieval at low load
    if overlaps.shape[1] == p + 1:
        best = overlaps.argmax(axis=1)
        wrong = np.nonzero(best != np.arange(b))[0]
        if wrong.size:
            _fail("retrieval", f"cued with stored pattern(s) {wrong.tolist()}, recall landed on {best[wrong].tolist()} "
                               f"(P={p + 1}, n={n}: far below any capacity)")
        one = _host(mem.recall(cues[-1:]).overlaps)
        if one.shape[0] != 1 or one.argmax(axis=1)[0] != p:
            _fail("retrieval", "a batch of one (the last stored pattern) did not land on its pattern")
    elif values is None:
        _fail("retrieval", f"overlaps must have one column per stored pattern ({p + 1}), got {overlaps.shape[1]}")
    passed.append("retrieval")

    # inputs untouched
    if not np.array_equal(pats, pats_copy) or (vals is not None and not np.array_equal(np.asarray(vals), vals_copy)):
        _fail("inputs", "store() modified the caller's arrays")
    if not np.array_equal(cues, all_pats):
        _fail("inputs", "recall() modified the caller's cues")
    passed.append("inputs")

    # state_dict round trip
    state = mem.state_dict()
    try:
        blob = pickle.dumps(state)
    except Exception as exc:
        _fail("state_dict", f"state_dict() does not pickle: {exc}")
    twin = _clone(mem)
    ref = mem.recall(cues)
    extra, extra_vals = batch(2, p + 1)
    store(extra, extra_vals)
    if pickle.dumps(state) != blob:
        _fail("state_dict", "a state taken earlier changed when more patterns were stored: state_dict() must "
                            "copy, not alias, the memory's arrays")
    twin.reset()
    twin.load_state_dict(pickle.loads(blob))
    if len(twin) != p + 1:
        _fail("state_dict", f"a reset copy loaded from state_dict() holds {len(twin)} patterns, expected {p + 1}")
    mem.load_state_dict(state)
    if len(mem) != p + 1:
        _fail("state_dict", f"load_state_dict() did not undo later storage: len {len(mem)}, expected {p + 1}")
    got = twin.recall(cues)
    again = mem.recall(cues)
    for name, r in (("a reloaded copy", got), ("the reloaded original", again)):
        if not (np.array_equal(_host(r.states), _host(ref.states)) and
                np.array_equal(_host(r.overlaps), _host(ref.overlaps))):
            _fail("state_dict", f"{name} does not recall exactly what the memory recalled when the state was taken")
    passed.append("state_dict")

    # bad input
    n_before = len(mem)

    def values_like(rows: int):
        if values is not None:
            return values(np.repeat(all_pats[:1], rows, axis=0), n_before)
        if hetero:
            return _probe_patterns(val_alphabet, rows, n_out, rng, density)
        return None

    def bad_store(x):
        rows = x.shape[0] if np.ndim(x) == 2 else 1
        return lambda: store(x, values_like(rows))

    wrong_cols = _probe_patterns(alphabet, 1, n + 1, rng, density)
    nan = all_pats[:1].astype(np.float64)
    nan[0, 0] = np.nan
    empty = np.zeros((0, n), dtype=all_pats.dtype)
    flat = all_pats[0]
    cases = [
        ("wrong number of columns", wrong_cols),
        ("a 1-D pattern (not a batch)", flat),
        ("NaN", nan),
    ]
    if alphabet != "real":
        bad = all_pats[:1].copy()
        bad[0, 0] = 2
        cases.append(("a value outside the alphabet", bad))
    for what, x in cases:
        _expect_error("bad_input", ("patterns",), bad_store(x), f"store() with {what}")
        if len(mem) != n_before:
            _fail("bad_input", f"a refused store() with {what} changed len(mem) from {n_before} to {len(mem)}")
        _expect_error("bad_input", ("cues",), lambda x=x: mem.recall(x), f"recall() with {what}")
    _expect_error("bad_input", ("patterns",), bad_store(empty), "store() with an empty batch")
    _expect_error("bad_input", ("cues",), lambda: mem.recall(empty), "recall() with an empty batch")
    if hetero and values is None:
        _expect_error("bad_input", ("values",), lambda: mem.store(all_pats[:2], values_like(3)),
                      "store() with 2 keys and 3 values")
    if len(mem) != n_before:
        _fail("bad_input", f"refused input changed len(mem) from {n_before} to {len(mem)}")
    passed.append("bad_input")

    # empty memory
    mem.reset()
    if len(mem) != 0:
        _fail("empty", f"len(mem) is {len(mem)} after reset(), expected 0")
    try:
        res = mem.recall(all_pats[:1])
    except ValueError:
        pass
    except Exception as exc:
        _fail("empty", f"recall() on an empty memory must raise ValueError or return a result, got "
                       f"{type(exc).__name__}: {exc}")
    else:
        if _host(res.states).shape != (1, n_out):
            _fail("empty", f"recall() on an empty memory returned states of shape {_host(res.states).shape}")
    passed.append("empty")
    return passed


# --------------------------------------------------------------------------- gymnasium


def _gym():
    try:
        import gymnasium
    except ImportError as exc:
        raise ImportError(
            "MemoryObservation needs gymnasium: pip install 'assoc[agents]' (or pip install gymnasium)"
        ) from exc
    return gymnasium


def _make_memory_observation():
    gym = _gym()
    from gymnasium import spaces

    class MemoryObservation(gym.Wrapper, gym.utils.RecordConstructorArgs):
        """Give an agent an episodic memory: recall what past observations stored.

        At every step (and at ``reset``) the wrapper reads the memory with the key of the
        new observation, then writes ``(key, value)`` of that observation, so the recall
        entry holds what *earlier* observations stored. The observation becomes a ``Dict``:
        the original observation under ``observation_key`` (or the original entries, if it
        is already a ``Dict``), the recalled value under ``recall_key`` (a ``Box`` of
        ``memory.value_dim`` entries) and the read's score under ``score_key`` (a ``Box`` of
        shape (1,)).

        Parameters
        ----------
        env : gymnasium.Env
        memory : EpisodicMemory
            Any object with ``key_dim``, ``value_dim``, ``write``, ``read``, ``reset`` works.
        key : callable, optional
            ``key(obs) -> (key_dim,)`` array. Default: the observation flattened.
        value : callable, optional
            ``value(obs) -> (value_dim,)`` array, or None to write nothing at this step.
            Default: the observation flattened.
        observation_key, recall_key, score_key : str
            Names in the ``Dict`` observation.
        clear_on_reset : bool
            Forget the memory's content at every ``reset`` (episodic memory). False keeps it
            across episodes.

        Constructor arguments are recorded like gymnasium's own wrappers (``_saved_kwargs``;
        the memory object itself is recorded, not a copy).
        """

        def __init__(
            self,
            env,
            memory,
            *,
            key: Callable | None = None,
            value: Callable | None = None,
            observation_key: str = "observation",
            recall_key: str = "recall",
            score_key: str = "score",
            clear_on_reset: bool = True,
        ):
            gym.utils.RecordConstructorArgs.__init__(
                self, _disable_deepcopy=True, memory=memory, key=key, value=value,
                observation_key=observation_key, recall_key=recall_key, score_key=score_key,
                clear_on_reset=clear_on_reset)
            gym.Wrapper.__init__(self, env)
            for attr in ("key_dim", "value_dim", "write", "read", "reset"):
                if not hasattr(memory, attr):
                    raise TypeError(f"memory must be an EpisodicMemory-like object with {attr}, got {_short(memory)}")
            for nm, fn in (("key", key), ("value", value)):
                if fn is not None and not callable(fn):
                    raise TypeError(f"{nm} must be a callable obs -> array or None, got {_short(fn)}")
            names = {"observation_key": observation_key, "recall_key": recall_key, "score_key": score_key}
            for nm, v in names.items():
                if not isinstance(v, str) or not v:
                    raise TypeError(f"{nm} must be a non-empty string, got {v!r}")
            if len(set(names.values())) != 3:
                raise ValueError(f"observation_key, recall_key and score_key must differ, got {names}")
            if not isinstance(clear_on_reset, (bool, np.bool_)):
                raise TypeError(f"clear_on_reset must be a bool, got {clear_on_reset!r}")
            self.memory = memory
            self.key_fn = key
            self.value_fn = value
            self.observation_key = observation_key
            self.recall_key = recall_key
            self.score_key = score_key
            self.clear_on_reset = bool(clear_on_reset)
            inner = env.observation_space
            if key is None or value is None:
                if not isinstance(inner, spaces.Box):
                    raise ValueError(
                        f"key and value functions are required unless the observation space is a Box, "
                        f"got {type(inner).__name__}"
                    )
                size = int(np.prod(inner.shape))
                if key is None and size != memory.key_dim:
                    raise ValueError(f"memory.key_dim={memory.key_dim} must equal the flattened observation "
                                     f"size {size} when key is None")
                if value is None and size != memory.value_dim:
                    raise ValueError(f"memory.value_dim={memory.value_dim} must equal the flattened observation "
                                     f"size {size} when value is None")
            alphabet = getattr(memory, "alphabet", "real")
            lo, hi = {"pm1": (-1.0, 1.0), "binary": (0.0, 1.0)}.get(alphabet, (-np.inf, np.inf))
            extra = {
                recall_key: spaces.Box(lo, hi, shape=(memory.value_dim,), dtype=np.float32),
                score_key: spaces.Box(-np.inf, np.inf, shape=(1,), dtype=np.float32),
            }
            if isinstance(inner, spaces.Dict):
                clash = set(extra) & set(inner.spaces)
                if clash:
                    raise ValueError(f"the observation space already has entries {sorted(clash)}; choose other "
                                     f"recall_key / score_key")
                self.observation_space = spaces.Dict({**inner.spaces, **extra})
            else:
                self.observation_space = spaces.Dict({observation_key: inner, **extra})

        def _key(self, obs):
            k = np.asarray(obs if self.key_fn is None else self.key_fn(obs), dtype=np.float64)
            return k.reshape(1, -1)

        def _augment(self, obs):
            values, scores = self.memory.read(self._key(obs))
            val = None if self.value_fn is None else self.value_fn(obs)
            if self.value_fn is None:
                val = np.asarray(obs).reshape(-1)
            if val is not None:
                self.memory.write(self._key(obs), np.asarray(val).reshape(1, -1))
            extra = {
                self.recall_key: np.asarray(to_numpy(values), dtype=np.float32)[0],
                self.score_key: np.asarray(to_numpy(scores), dtype=np.float32)[:1],
            }
            if isinstance(obs, dict):
                return {**obs, **extra}
            return {self.observation_key: obs, **extra}

        def reset(self, *, seed=None, options=None):
            if self.clear_on_reset:
                self.memory.reset()
            obs, info = self.env.reset(seed=seed, options=options)
            return self._augment(obs), info

        def step(self, action):
            obs, reward, terminated, truncated, info = self.env.step(action)
            return self._augment(obs), reward, terminated, truncated, info

    MemoryObservation.__module__ = __name__
    return MemoryObservation


_LAZY: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    if name == "MemoryObservation":
        if name not in _LAZY:
            _LAZY[name] = _make_memory_observation()
        return _LAZY[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "EpisodicMemory",
    "Encoder",
    "SignProjection",
    "KWTAProjection",
    "BinarySignProjection",
    "default_encoder",
    "episodic_families",
    "check_memory",
    "MemoryCheckError",
]  # MemoryObservation is left out: ``import *`` must not need gymnasium
