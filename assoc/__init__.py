"""assoc: neuro-inspired associative memories, their measurements and their figures.

Library face (see ``DESIGN.md``)::

    import assoc
    mem = assoc.Hopfield(n=1024, rule="hebbian", dynamics="async", backend="auto", seed=0)
    mem.store(patterns)          # (P, n) batch of +/-1 patterns
    out = mem.recall(cues)       # (B, n) batch -> Recall(states, overlaps, steps, converged)
"""

from importlib.metadata import PackageNotFoundError, version

from . import patterns
from .agents import EpisodicMemory, check_memory
from .backend import available_backends, get_backend
from .dense import DenseAssociativeMemory, DenseHebbian, ModernHopfield, MultitaskHebbian
from .hopfield import Hopfield
from .memory import Memory, Recall
from .spiking import CA3CAM, CA3Network

try:
    __version__ = version("assoc")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.1.0"

__all__ = ["EpisodicMemory", "check_memory", "Hopfield", "DenseAssociativeMemory", "DenseHebbian", "ModernHopfield",
           "MultitaskHebbian", "CA3CAM", "CA3Network", "Memory", "Recall", "available_backends", "get_backend",
           "patterns", "__version__"]
