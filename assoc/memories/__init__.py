"""The memory families, one module per family (each class is registered in :mod:`assoc.registry`
and reachable as ``assoc.<ClassName>``, imported on first use).

Hopfield networks
    :mod:`.hopfield` (``Hopfield``), :mod:`.cascade` (``CascadeHopfield``, cascade synapses and
    the fits of forgetting curves)
Dense associative memories
    :mod:`.dense` (``DenseAssociativeMemory`` and the pattern-space engine the +/-1 dense
    families share), :mod:`.modern` (``ModernHopfield``), :mod:`.dense_hebbian`
    (``DenseHebbian``), :mod:`.multitask` (``MultitaskHebbian``)
Sparse distributed memories on {0,1} patterns
    :mod:`.willshaw` (``Willshaw``), :mod:`.kanerva` (``KanervaSDM``), :mod:`.segments`
    (``DendriticSegments``), :mod:`.sparsey` (``Sparsey``); :mod:`.bits` holds the bit packing
    they share and :mod:`.index` the best-match index ``SDRIndex`` (Sparsey's code lookup)
Spiking CA3 memories (Brian2)
    :mod:`.spiking` (``CA3Network``, ``CA3CAM``)
Fast-weight memories of sequence models (real keys and values, written in order)
    :mod:`.fastweight` (``LinearAttention``, ``DeltaNet``, ``GatedDeltaNet``, ``DeltaProduct``,
    ``Titans``, ``Moneta``, ``Yaad``, ``Memora``, ``SoftmaxAttention``)

This package imports nothing on its own, so that importing one family never loads another
(nor Brian2).
"""

import pkgutil as _pkgutil
from importlib import import_module as _import_module

#: The family modules of this package, imported on first attribute access
#: (``assoc.memories.kanerva``), so that they are reachable without an import statement.
_MODULES = tuple(sorted(m.name for m in _pkgutil.iter_modules(__path__) if not m.name.startswith("_")))


def __getattr__(name: str):
    if name in _MODULES:
        return _import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULES))
