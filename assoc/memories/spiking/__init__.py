"""Spiking CA3 memories simulated with Brian2 (imported lazily: importing this package does not
import Brian2).

- :mod:`assoc.memories.spiking.cam`: the CA3 content-addressable memory of Casanueva-Morato et al. (2024),
  a spike-for-spike port of the published SpiNNaker model (:class:`CA3CAM`).
- :mod:`assoc.memories.spiking.ca3`: a scalable CA3 attractor network of LIF cells with sparse recurrent
  STDP synapses and feedback inhibition (:class:`CA3Network`).
- :mod:`assoc.memories.spiking.standalone`: Brian2 ``cpp_standalone`` programs built once into a cache
  folder and run many times with run-time arguments (``CA3Network(target="standalone")``).
"""

from .ca3 import CA3Network
from .cam import CA3CAM, CAMNetwork, PUBLISHED_CONFIG, SpikeTable, run_experiment, simulate

__all__ = ["CA3CAM", "CA3Network", "CAMNetwork", "PUBLISHED_CONFIG", "SpikeTable", "run_experiment", "simulate"]
