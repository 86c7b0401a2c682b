"""assoc: neuro-inspired associative memories, their measurements and their figures.

Library face (``docs/architecture.md`` describes the layout)::

    import assoc
    mem = assoc.Hopfield(n=1024, rule="hebbian", dynamics="async", backend="auto", seed=0)
    mem.store(patterns)          # (P, n) batch of +/-1 patterns
    out = mem.recall(cues)       # (B, n) batch -> Recall(states, overlaps, steps, converged)

The families beyond the classical Hopfield network are imported on first use, so that
``import assoc`` (and every sweep worker) stays fast and Brian2 is loaded only by the
spiking models.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

from . import patterns
from .backend import available_backends, get_backend
from .memories.hopfield import Hopfield
from .memory import Memory, Recall

try:
    __version__ = version("assoc")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"

#: Public names that are not memory families, loaded lazily: name -> module.
_LAZY = {
    "EpisodicMemory": ".agents",
    "check_memory": ".agents",
    "SDRIndex": ".memories.index",
}
#: Submodules reachable as attributes (``assoc.theory``) without an explicit import; the
#: family modules are reachable the same way under :mod:`assoc.memories`
#: (``assoc.memories.kanerva``).
_SUBMODULES = ("theory", "metrics", "registry", "params", "experiments", "sweep", "agents", "memories",
               "memory", "backend", "dynamics", "kernels", "figures")


def _family_classes() -> dict[str, str]:
    """``{class name: "module:Class"}`` of every registered family (the registry is the list)."""
    from .registry import FAMILIES

    return {fam.class_name: fam.target for fam in FAMILIES.values() if isinstance(fam.target, str)}


def __getattr__(name: str):
    if name in _SUBMODULES:
        return import_module(f".{name}", __name__)
    classes = _family_classes()
    if name in classes:
        module, _, attr = classes[name].partition(":")
        value = getattr(import_module(module), attr)
    elif name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
    else:
        raise AttributeError(f"module 'assoc' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY) | set(_family_classes()) | set(_SUBMODULES))


__all__ = ["Hopfield", "Memory", "Recall", "available_backends", "get_backend", "patterns", "__version__",
           *_LAZY, *(k for k in _family_classes() if k != "Hopfield")]
