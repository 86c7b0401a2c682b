"""EpisodicMemory: a key-value memory over any registered family, batch first.

:class:`EpisodicMemory` writes ``(key, value)`` pairs and reads values back from keys, in
batches, over any registered family (see :func:`episodic_families`; the families and how
each serves as a key-value memory come from the one family registry, :mod:`assoc.registry`):

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

Continuous keys reach a family's alphabet through a seeded encoder (:mod:`assoc.agents.encoders`).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..memory import (
    ALPHABETS,
    Recall,
    _in_alphabet,
    _short,
    append_rows,
    check_int,
    check_patterns,
    check_real,
    check_seed,
    recall_like,
    set_rows,
    to_caller,
    to_numpy,
)
from ..registry import Family, available_families, get_family
from .encoders import ENCODERS, Encoder, default_encoder

EVICTIONS = ("fifo", "lru", None)

#: The encoder class ``encoder="auto"`` builds for each kind a family declares.
_AUTO_ENCODER = {"sign": "SignProjection", "kwta": "KWTAProjection", "binary_sign": "BinarySignProjection"}
#: The built-in encoder classes, whose codes are in their alphabet by construction.
_BUILT_IN_ENCODERS = frozenset(ENCODERS.values())


# --------------------------------------------------------------------------- validation


def _rows(name: str, x: Any, dim: int, dim_name: str) -> tuple[Any, bool]:
    """``x`` as a batch of rows, and whether it was a single 1-D item of ``dim`` entries."""
    arr = to_numpy(x)
    if type(arr) is np.ndarray:
        shape = arr.shape
    else:
        try:
            shape = np.shape(arr)
        except Exception:  # ragged nested lists: the validators name the problem
            return arr, False
    expected = f"(batch, {dim_name}) = (batch, {dim}), or ({dim},) for a single item"
    if len(shape) == 1:
        if shape[0] != dim:
            raise ValueError(f"{name} must have shape {expected}, got shape {shape}")
        return np.asarray(arr)[None, :], True
    if len(shape) != 2:
        raise ValueError(f"{name} must have shape {expected}, got shape {shape}")
    if shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns ({dim_name}={dim}), got shape {shape}")
    return arr, False


def _check_batch(name: str, x: Any, alphabet: str, dim: int, *, what: str) -> np.ndarray:
    """A ``(B, dim)`` batch in ``alphabet`` ("real" or one of :data:`assoc.memory.ALPHABETS`)."""
    if alphabet == "real":
        return check_real(name, x, dim, what=what, allow_bool=True)
    return check_patterns(name, x, alphabet=alphabet, n=dim)


def _checked_entry(memory: Any, public: str, entry: str) -> bool:
    """Whether ``memory``'s class offers ``entry``, the form of its method ``public`` for rows
    already checked, and does not override ``public`` below the class that defines ``entry``
    (a subclass's own ``store`` or ``recall`` is always the one called)."""
    mro = type(memory).__mro__
    owner = {name: next((i for i, c in enumerate(mro) if name in c.__dict__), None) for name in (public, entry)}
    return owner[entry] is not None and owner[public] is not None and owner[entry] <= owner[public]


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
        None: keys are already codes in the family's alphabet (real-valued keys are refused
        with a message naming ``encoder="auto"``; a family of real patterns takes real keys
        as they are). ``"auto"``: the family's
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
    Keys and values come in batches, ``(B, key_dim)`` and ``(B, value_dim)``; a 1-D key of
    ``key_dim`` entries (a value of ``value_dim`` entries) is a single item, and a read of a
    single key returns a single value ``(value_dim,)`` and a 0-d score. They may be arrays of
    any array-API library (NumPy, CuPy, PyTorch, JAX, ...) or nested lists; a read answers in
    the library (and on the device) of its keys: PyTorch keys give PyTorch values and scores.

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
        # Real keys used as they are reach a family of real patterns as check_real returns them
        # (fresh finite float64 rows of the right length): the family's entries for checked rows
        # (_store_checked, _recall_checked) take them without checking them a second time.
        self._checked = (self.encoder is None and alphabet == "real"
                         and _checked_entry(self.memory, "store", "_store_checked")
                         and _checked_entry(self.memory, "recall", "_recall_checked"))
        self._auto = self.family.episodic_mode == "auto"
        # Cues [code | 0] of a +/-1 or {0,1} family are checked int8 rows where the codes come from
        # the layer's own checks (encoder None) or a built-in encoder (whose codes are in the
        # family's alphabet by construction): a family's entry for checked cues (_recall_checked)
        # takes them, with the clamp mask the layer builds, without checking them a second time.
        # The codes of any other encoder reach the family's public recall, which checks them.
        self._checked_cues = (self._auto and alphabet != "real"
                              and (self.encoder is None or (type(self.encoder) in _BUILT_IN_ENCODERS
                                                            and type(self.encoder).encode is Encoder.encode))
                              and _checked_entry(self.memory, "recall", "_recall_checked"))
        self._cue_parts: tuple | None = None  # (batch size, recall keyword arguments) of the last read
        be = self.backend
        # a backend whose asarray of a NumPy array is that array (numpy, numba), or none
        self._host = be is None or not hasattr(be, "asarray") or (
            getattr(be, "xp", None) is np and getattr(getattr(be, "spec", None), "asarray", True) is None)
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
            f"capacity={self.capacity}, eviction={self.eviction!r}, encoder={self.encoder!r}, "
            f"backend={str(self.backend) if self.backend is not None else self.backend_name!r}, stored={len(self)})"
        )

    @property
    def alphabet(self) -> str:
        """Alphabet of the values (and of the key codes)."""
        return self.family.alphabet

    @property
    def backend(self):
        return getattr(self.memory, "backend", None)

    def _out(self, x: np.ndarray, like: Any = None):
        """A result as the backend's array, or in the array library of ``like`` (the keys)."""
        be = self.backend
        out = be.asarray(x) if be is not None and hasattr(be, "asarray") else x
        return to_caller(out, like)

    def reset(self) -> None:
        """Forget every item (the encoder is kept: codes stay comparable across episodes)."""
        self.memory.reset()
        self._clear()

    # ------------------------------------------------------------------ encoding
    def encode(self, keys: Any) -> np.ndarray:
        """Key codes ``(B, code_dim)`` of a ``(B, key_dim)`` batch of keys (``(code_dim,)`` of one
        ``(key_dim,)`` key), as host NumPy arrays."""
        rows, single = _rows("keys", keys, self.key_dim, "key_dim")
        codes = self._encode_rows(rows)
        return codes[0] if single else codes

    def _encode_rows(self, keys: Any) -> np.ndarray:
        if self.encoder is not None:
            x = check_real("keys", keys, self.key_dim, what="columns (key_dim)", allow_bool=True)
            if type(self.encoder).encode is Encoder.encode:  # a built-in encode: x is checked as it would check it
                return np.asarray(self.encoder._encode(x))
            return np.asarray(self.encoder.encode(x))
        alphabet = self.family.alphabet
        if alphabet in ALPHABETS:
            self._refuse_real_keys(keys)
        codes = _check_batch("keys", keys, alphabet, self.key_dim, what="columns (key_dim)")
        if alphabet == "binary":
            empty = np.nonzero(codes.sum(axis=1) == 0)[0]
            if empty.size:
                raise ValueError(
                    f"keys must have at least one active bit per row; rows {empty[:5].tolist()} are all zero"
                )
        return codes

    def _refuse_real_keys(self, keys: Any) -> None:
        """Numeric keys outside the family's alphabet, with no encoder: say what to pass."""
        try:
            arr = np.asarray(keys)
        except Exception:
            return  # the validator names the problem
        numeric = arr.dtype != bool and (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating))
        if not numeric or arr.size == 0 or not np.all(np.isfinite(arr)) or _in_alphabet(arr, self.family.alphabet):
            return
        allowed = set(ALPHABETS[self.family.alphabet])
        found = [float(f"{v:.4g}") for v in np.unique(arr[~np.isin(arr, list(allowed))])[:3]]
        kind = _AUTO_ENCODER.get(self.family.encoder, "default encoder")
        raise ValueError(
            f"keys must be codes in the {self.family.name!r} family's alphabet {allowed} when encoder=None, "
            f"found {found}; for real-valued keys pass encoder='auto' (a seeded {kind} from key_dim to "
            f"code_dim entries): EpisodicMemory({self.family.name!r}, key_dim={self.key_dim}, "
            f"value_dim={self.value_dim}, encoder='auto')"
        )

    def _check_values(self, values: Any) -> np.ndarray:
        return _check_batch("values", values, self.family.alphabet, self.value_dim, what="columns (value_dim)")

    # ------------------------------------------------------------------ write
    def write(self, keys: Any, values: Any) -> None:
        """Store a batch of ``(B, key_dim)`` keys with their ``(B, value_dim)`` values (or one
        ``(key_dim,)`` key with its ``(value_dim,)`` value).

        Items are kept in order of writing; if the batch overflows ``capacity`` the eviction
        policy makes room (a batch longer than ``capacity`` keeps its last ``capacity`` rows).
        Every key and value is checked before anything is stored.
        """
        codes = self._encode_rows(_rows("keys", keys, self.key_dim, "key_dim")[0])
        vals = self._check_values(_rows("values", values, self.value_dim, "value_dim")[0])
        if len(codes) != len(vals):
            raise ValueError(f"values must have one row per key: got {len(vals)} values for {len(codes)} keys")
        b = len(codes)
        ticks = np.arange(self._tick + 1, self._tick + b + 1, dtype=np.int64)
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
        append_rows(self, "_keys", codes)
        append_rows(self, "_values", vals)
        append_rows(self, "_used", ticks)

    def _store(self, codes: np.ndarray, vals: np.ndarray) -> None:
        mem = self.memory
        store = mem._store_checked if self._checked else mem.store
        if self._auto:
            store(np.concatenate([codes, vals], axis=1))
        else:
            store(codes, vals)

    # ------------------------------------------------------------------ read
    def read(self, keys: Any) -> tuple[Any, Any]:
        """Values recalled from a ``(B, key_dim)`` batch of keys, and a score per key.

        Returns
        -------
        values : array, shape (B, value_dim)
            In the family's alphabet (``int8`` for +/-1 and {0,1} families, float64 for real
            ones); zeros where the memory is empty. Shape ``(value_dim,)`` for a single
            ``(key_dim,)`` key.
        scores : array of float64, shape (B,)
            The family's confidence (see the class notes); 0 where the memory is empty. A 0-d
            score for a single key.

        Both are arrays of the keys' library where the keys are PyTorch, JAX, ... arrays, of
        the backend's otherwise (NumPy unless it is cupy).
        """
        values, scores, _ = self.read_recall(keys)
        return values, scores

    def read_recall(self, keys: Any) -> tuple[Any, Any, Recall | None]:
        """Like :meth:`read`, plus the family's full :class:`~assoc.memory.Recall` (None when empty)."""
        rows, single = _rows("keys", keys, self.key_dim, "key_dim")
        codes = self._encode_rows(rows)
        b = len(codes)
        if len(self) == 0:
            dtype = np.float64 if self.family.alphabet == "real" else np.int8
            values, scores, out = np.zeros((b, self.value_dim), dtype=dtype), np.zeros(b), None
        else:
            values, scores, out = self._recall(codes)
        if type(keys) is not np.ndarray or not self._host:  # host results of NumPy keys are the results
            values, scores, out = self._out(values, keys), self._out(scores, keys), recall_like(out, keys)
        if single:  # [0, ...]: the indexing every array library defines
            values, scores = values[0, ...], scores[0, ...]
        return values, scores, out

    def _recall_kwargs(self, b: int) -> dict:
        """The recall keyword arguments of a ``b``-row read: the family's, plus the clamp mask
        of the key part where the family clamps (kept for the last batch size; the families
        read the mask and never write into it)."""
        parts = self._cue_parts
        if parts is not None and parts[0] == b:
            return parts[1]
        fam = self.family
        kwargs = dict(fam.recall_kwargs)
        if fam.clamp and getattr(self.memory, "dynamics", None) != "sync":
            mask = np.zeros((b, self.code_dim + self.value_dim), dtype=bool)
            mask[:, : self.code_dim] = True
            kwargs["clamp"] = mask
        self._cue_parts = (b, kwargs)
        return kwargs

    def _recall(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, Recall]:
        b = len(codes)
        fam = self.family
        mem = self.memory
        if self._auto:
            cue = np.zeros((b, self.code_dim + self.value_dim), dtype=codes.dtype)
            cue[:, : self.code_dim] = codes
            kwargs = self._recall_kwargs(b)
            checked = self._checked or self._checked_cues
            out = (mem._recall_checked if checked else mem.recall)(cue, **kwargs)
            states = out.states
            if type(states) is not np.ndarray:
                states = np.asarray(to_numpy(states))
            states = states[:, self.code_dim:]
        else:
            out = (mem._recall_checked if self._checked else mem.recall)(codes, **fam.recall_kwargs)
            states = out.states
            if type(states) is not np.ndarray:
                states = np.asarray(to_numpy(states))
        overlaps = _match_scores(out)
        if type(overlaps) is not np.ndarray or overlaps.dtype != np.float64:
            overlaps = np.asarray(to_numpy(overlaps), dtype=np.float64)
        scores = np.maximum.reduce(overlaps, axis=1) if overlaps.size else np.zeros(b)
        if self.eviction == "lru" and overlaps.shape[1] == len(self):
            self._tick += 1
            self._used[overlaps.argmax(axis=1)] = self._tick
        return states.astype(np.float64 if fam.alphabet == "real" else np.int8), scores, out

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
        set_rows(self, "_keys", np.asarray(state["keys"]))
        set_rows(self, "_values", np.asarray(state["values"]))
        set_rows(self, "_used", np.asarray(state["used"], dtype=np.int64))
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
