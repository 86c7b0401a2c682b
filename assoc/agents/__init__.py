"""Memories as a library for agents: an episodic key-value memory over any family, encoders
from continuous observations to a family's alphabet, a conformance check, and a gymnasium
wrapper.

- :mod:`assoc.agents.episodic`: :class:`EpisodicMemory`, a key-value memory over any
  registered family (:func:`episodic_families`; the families come from :mod:`assoc.registry`).
- :mod:`assoc.agents.encoders`: seeded encoders from real inputs to a family's alphabet
  (:class:`SignProjection`, :class:`KWTAProjection`, :class:`BinarySignProjection`,
  :data:`ENCODERS`, :func:`default_encoder`).
- :mod:`assoc.agents.checks`: :func:`check_memory`, the contract every memory keeps, as the
  named checks of :data:`CHECKS` (``check_memory(mem, checks=[...])`` runs a subset).
- :mod:`assoc.agents.gym`: ``MemoryObservation(env, memory, ...)``, a gymnasium wrapper that
  writes each observation to an episodic memory and adds what it recalls to a ``Dict``
  observation; over a vector environment (``gymnasium.make_vec``) it builds a
  ``VectorMemoryObservation``, with one memory per sub-environment. gymnasium is optional (``pip install "assoc[agents]"``): it is imported when
  ``MemoryObservation`` is first looked up, never by ``import assoc.agents``.
"""

from __future__ import annotations

from typing import Any

from .checks import (
    CHECKS,
    MEMORY_ALPHABETS,
    MemoryCheckError,
    Probe,
    check_memory,
    check_names,
)
from .encoders import ENCODERS, BinarySignProjection, Encoder, KWTAProjection, SignProjection, default_encoder
from .episodic import EVICTIONS, EpisodicMemory, _episodic_family, episodic_families  # noqa: F401


def __getattr__(name: str) -> Any:
    if name in ("MemoryObservation", "VectorMemoryObservation"):  # imports gymnasium: only when asked for
        from . import gym

        return getattr(gym, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "MemoryObservation", "VectorMemoryObservation"})


__all__ = [
    "EpisodicMemory",
    "Encoder",
    "SignProjection",
    "KWTAProjection",
    "BinarySignProjection",
    "ENCODERS",
    "default_encoder",
    "episodic_families",
    "check_memory",
    "CHECKS",
    "MemoryCheckError",
]  # the gymnasium wrappers are left out: ``import *`` must not need gymnasium
