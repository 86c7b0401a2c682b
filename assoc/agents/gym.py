"""The gymnasium wrapper :class:`MemoryObservation`: an agent's observations written to, and
recalled from, an episodic memory.

gymnasium is an optional dependency (``pip install "assoc[agents]"``): it is imported the
first time ``MemoryObservation`` is looked up (``assoc.agents.MemoryObservation`` or
``assoc.agents.gym.MemoryObservation``), never by ``import assoc.agents``; without it that
look-up raises an ImportError saying what to install.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..memory import _short, to_numpy

def _gym():
    try:
        import gymnasium
    except ImportError as exc:
        raise ImportError(
            'MemoryObservation needs the optional dependency gymnasium: pip install "assoc[agents]" '
            '(or pip install gymnasium)'
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

    MemoryObservation.__module__ = "assoc.agents"  # where users import it from
    return MemoryObservation


_CLASS: list = []


def memory_observation() -> type:
    """The ``MemoryObservation`` class (built, and gymnasium imported, on first call)."""
    if not _CLASS:
        _CLASS.append(_make_memory_observation())
    return _CLASS[0]


def __getattr__(name: str) -> Any:
    if name == "MemoryObservation":
        return memory_observation()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
