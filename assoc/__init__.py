"""assoc: neuro-inspired associative memories, their measurements and their figures.

Library face (see ``DESIGN.md``)::

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
from .hopfield import Hopfield
from .memory import Memory, Recall

try:
    __version__ = version("assoc")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"

#: Public names loaded lazily: name -> module (relative to this package).
_LAZY = {
    "EpisodicMemory": ".agents",
    "check_memory": ".agents",
    "DenseAssociativeMemory": ".dense",
    "DenseHebbian": ".dense",
    "ModernHopfield": ".dense",
    "MultitaskHebbian": ".dense",
    "CascadeHopfield": ".forgetting",
    "Willshaw": ".sdr",
    "KanervaSDM": ".sdr",
    "DendriticSegments": ".sdr",
    "Sparsey": ".sdr",
    "SDRIndex": ".sdr",
    "CA3CAM": ".spiking",
    "CA3Network": ".spiking",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'assoc' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = ["Hopfield", "Memory", "Recall", "available_backends", "get_backend", "patterns", "__version__",
           *_LAZY]
