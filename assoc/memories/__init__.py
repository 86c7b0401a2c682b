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

This package imports nothing on its own, so that importing one family never loads another
(nor Brian2).
"""
