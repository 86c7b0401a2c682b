"""The gymnasium wrapper :class:`MemoryObservation`: an agent's observations written to, and
recalled from, an episodic memory, over a single environment or a vector of them.

gymnasium is an optional dependency (``pip install "assoc[agents]"``): it is imported the
first time ``MemoryObservation`` (or ``VectorMemoryObservation``) is looked up
(``assoc.agents.MemoryObservation`` or ``assoc.agents.gym.MemoryObservation``), never by
``import assoc.agents``; without it that look-up raises an ImportError saying what to install.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..memory import _short, to_numpy

#: The names this module builds on first look-up (they need gymnasium).
WRAPPERS = ("MemoryObservation", "VectorMemoryObservation")


def _gym():
    try:
        import gymnasium
    except ImportError as exc:
        raise ImportError(
            'MemoryObservation needs the optional dependency gymnasium: pip install "assoc[agents]" '
            '(or pip install gymnasium)'
        ) from exc
    return gymnasium


# --------------------------------------------------------------------------- shared checks


def _check_memory(memory: Any, name: str = "memory") -> None:
    for attr in ("key_dim", "value_dim", "write", "read", "reset"):
        if not hasattr(memory, attr):
            raise TypeError(f"{name} must be an EpisodicMemory-like object with {attr}, got {_short(memory)}")


def _check_options(key, value, observation_key, recall_key, score_key, clear_on_reset) -> None:
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


def _observation_space(spaces, inner, memory, *, key, value, observation_key, recall_key, score_key):
    """The ``Dict`` space of one augmented observation, after checking sizes against ``memory``."""
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
        return spaces.Dict({**inner.spaces, **extra})
    return spaces.Dict({observation_key: inner, **extra})


def _key_of(key_fn, obs) -> np.ndarray:
    """The ``(key_dim,)`` key of one observation."""
    return np.asarray(to_numpy(obs if key_fn is None else key_fn(obs)), dtype=np.float64).reshape(-1)


def _value_of(value_fn, obs):
    """The ``(value_dim,)`` value of one observation, or None (nothing to write)."""
    val = np.asarray(to_numpy(obs)).reshape(-1) if value_fn is None else value_fn(obs)
    return None if val is None else np.asarray(to_numpy(val)).reshape(-1)


# --------------------------------------------------------------------------- the wrappers


def _make_wrappers() -> dict[str, type]:
    gym = _gym()
    from gymnasium import spaces
    from gymnasium.vector import AutoresetMode, VectorEnv, VectorWrapper
    from gymnasium.vector.utils import batch_space, iterate

    class MemoryObservation(gym.Wrapper, gym.utils.RecordConstructorArgs):
        """Give an agent an episodic memory: recall what past observations stored.

        At every step (and at ``reset``) the wrapper reads the memory with the key of the
        new observation, then writes ``(key, value)`` of that observation, so the recall
        entry holds what *earlier* observations stored. The observation becomes a ``Dict``:
        the original observation under ``observation_key`` (or the original entries, if it
        is already a ``Dict``), the recalled value under ``recall_key`` (a ``Box`` of
        ``memory.value_dim`` entries) and the read's score under ``score_key`` (a ``Box`` of
        shape (1,)).

        Given a gymnasium vector environment (``gymnasium.vector.VectorEnv``, for instance
        from ``gymnasium.make_vec``), ``MemoryObservation(envs, memories)`` builds a
        :class:`VectorMemoryObservation` instead: the same wrapper for every sub-environment.

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

        def __new__(cls, env=None, *args, **kwargs):
            if isinstance(env, VectorEnv):
                return VectorMemoryObservation(env, *args, **kwargs)
            return super().__new__(cls)

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
            _check_memory(memory)
            _check_options(key, value, observation_key, recall_key, score_key, clear_on_reset)
            self.memory = memory
            self.key_fn = key
            self.value_fn = value
            self.observation_key = observation_key
            self.recall_key = recall_key
            self.score_key = score_key
            self.clear_on_reset = bool(clear_on_reset)
            self.observation_space = _observation_space(
                spaces, env.observation_space, memory, key=key, value=value, observation_key=observation_key,
                recall_key=recall_key, score_key=score_key)

        def _augment(self, obs):
            k = _key_of(self.key_fn, obs)
            values, scores = self.memory.read(k[None, :])
            val = _value_of(self.value_fn, obs)
            if val is not None:
                self.memory.write(k[None, :], val[None, :])
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

    class VectorMemoryObservation(VectorWrapper):
        """:class:`MemoryObservation` over a gymnasium vector environment.

        Every sub-environment's observation is read from, then written to, an episodic
        memory exactly as :class:`MemoryObservation` does for one environment; the
        observation becomes a ``Dict`` of batched entries (the original observation, the
        recalled values ``(num_envs, value_dim)`` and the scores ``(num_envs, 1)``).

        Parameters
        ----------
        env : gymnasium.vector.VectorEnv
        memory : EpisodicMemory or sequence of num_envs EpisodicMemory
            A sequence gives each sub-environment its own memory, cleared (with
            ``clear_on_reset``) whenever that sub-environment starts a new episode, including
            the automatic resets of the vector environment (``NEXT_STEP`` and ``SAME_STEP``
            autoreset modes; with ``DISABLED``, the sub-environments of
            ``options["reset_mask"]``). A single memory is shared by all sub-environments,
            which write to and read from one store; it needs ``clear_on_reset=False``, since
            one sub-environment's new episode cannot forget only its own items.
        key, value, observation_key, recall_key, score_key, clear_on_reset
            As for :class:`MemoryObservation`; ``key`` and ``value`` receive the observation
            of one sub-environment.
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
            if not isinstance(env, VectorEnv):
                raise TypeError(f"env must be a gymnasium.vector.VectorEnv, got {_short(env)}; "
                                f"use MemoryObservation for a single environment")
            super().__init__(env)
            _check_options(key, value, observation_key, recall_key, score_key, clear_on_reset)
            n = env.num_envs
            if isinstance(memory, (list, tuple)):
                if len(memory) != n:
                    raise ValueError(f"memory must be one memory or a sequence of num_envs={n} memories, "
                                     f"got a sequence of {len(memory)}")
                for i, m in enumerate(memory):
                    _check_memory(m, f"memory[{i}]")
                if len({id(m) for m in memory}) != n:
                    raise ValueError("memory must hold a distinct memory per sub-environment (the same object "
                                     "appears twice); pass one memory to share it")
                dims = {(m.key_dim, m.value_dim) for m in memory}
                if len(dims) != 1:
                    raise ValueError(f"the memories must share key_dim and value_dim, got {sorted(dims)}")
                self.memories, self.shared = list(memory), False
            else:
                _check_memory(memory)
                if clear_on_reset:
                    raise ValueError(
                        f"a single memory is shared by the {n} sub-environments and cannot forget one "
                        f"sub-environment's episode: pass a list of {n} memories (one per sub-environment) "
                        f"or clear_on_reset=False to share one memory across episodes")
                self.memories, self.shared = [memory], True
            self.memory = memory
            self.key_fn = key
            self.value_fn = value
            self.observation_key = observation_key
            self.recall_key = recall_key
            self.score_key = score_key
            self.clear_on_reset = bool(clear_on_reset)
            self.single_observation_space = _observation_space(
                spaces, env.single_observation_space, self.memories[0], key=key, value=value,
                observation_key=observation_key, recall_key=recall_key, score_key=score_key)
            self.observation_space = batch_space(self.single_observation_space, n)
            self.autoreset_mode = env.metadata.get("autoreset_mode", AutoresetMode.NEXT_STEP)
            value_dim = self.memories[0].value_dim
            self._recall = np.zeros((n, value_dim), dtype=np.float32)
            self._score = np.zeros((n, 1), dtype=np.float32)
            self._ended = np.zeros(n, dtype=bool)

        def _clear(self, which: np.ndarray) -> None:
            if self.clear_on_reset:
                for i in np.flatnonzero(which):
                    self.memories[i].reset()

        def _augment(self, obs, active: np.ndarray):
            """Read, then write, the observations of the ``active`` sub-environments."""
            rows = np.flatnonzero(active)
            if rows.size:
                singles = list(iterate(self.env.observation_space, obs))
                keys = [_key_of(self.key_fn, singles[i]) for i in rows]
                vals = [_value_of(self.value_fn, singles[i]) for i in rows]
                if self.shared:
                    values, scores = self.memory.read(np.stack(keys))
                    self._recall[rows] = np.asarray(to_numpy(values), dtype=np.float32)
                    self._score[rows, 0] = np.asarray(to_numpy(scores), dtype=np.float32)
                    write = [j for j, v in enumerate(vals) if v is not None]
                    if write:
                        self.memory.write(np.stack([keys[j] for j in write]), np.stack([vals[j] for j in write]))
                else:
                    for i, k, v in zip(rows, keys, vals):  # batches of one: any EpisodicMemory-like object
                        value, score = self.memories[i].read(k[None, :])
                        self._recall[i] = np.asarray(to_numpy(value), dtype=np.float32)[0]
                        self._score[i, 0] = np.asarray(to_numpy(score), dtype=np.float32)[0]
                        if v is not None:
                            self.memories[i].write(k[None, :], v[None, :])
            extra = {self.recall_key: self._recall.copy(), self.score_key: self._score.copy()}
            if isinstance(obs, dict):
                return {**obs, **extra}
            return {self.observation_key: obs, **extra}

        def reset(self, *, seed=None, options=None):
            n = self.num_envs
            mask = np.ones(n, dtype=bool)
            if isinstance(options, dict) and options.get("reset_mask") is not None:
                mask = np.asarray(options["reset_mask"], dtype=bool).reshape(n)
            if self.clear_on_reset:
                self._clear(mask)
            obs, info = self.env.reset(seed=seed, options=options)
            self._recall[mask] = 0.0
            self._score[mask] = 0.0
            self._ended[mask] = False
            return self._augment(obs, mask), info

        def step(self, actions):
            obs, reward, terminated, truncated, info = self.env.step(actions)
            ended = np.logical_or(terminated, truncated)
            if self.autoreset_mode == AutoresetMode.NEXT_STEP:
                started = self._ended  # reset by this step: their observation opens a new episode
            elif self.autoreset_mode == AutoresetMode.SAME_STEP:
                started = ended  # already reset: the observation returned opens a new episode
            else:
                started = np.zeros(self.num_envs, dtype=bool)
            self._clear(started)
            self._ended = ended.copy()
            return self._augment(obs, np.ones(self.num_envs, dtype=bool)), reward, terminated, truncated, info

    for cls in (MemoryObservation, VectorMemoryObservation):
        cls.__module__ = "assoc.agents"  # where users import them from
    return {"MemoryObservation": MemoryObservation, "VectorMemoryObservation": VectorMemoryObservation}


_CLASS: list = []


def _wrappers() -> dict[str, type]:
    if not _CLASS:
        _CLASS.append(_make_wrappers())
    return _CLASS[0]


def memory_observation() -> type:
    """The ``MemoryObservation`` class (built, and gymnasium imported, on first call)."""
    return _wrappers()["MemoryObservation"]


def vector_memory_observation() -> type:
    """The ``VectorMemoryObservation`` class (built, and gymnasium imported, on first call)."""
    return _wrappers()["VectorMemoryObservation"]


def __getattr__(name: str) -> Any:
    if name in WRAPPERS:
        return _wrappers()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
