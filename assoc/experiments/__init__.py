"""Simulation drivers: one plain function per measurement.

A driver is a function ``(params: dict, seed: numpy.random.SeedSequence) -> dict`` of
numbers. It never prints, never writes files and never knows which executor runs it: the
sweep (:mod:`assoc.sweep`) owns all I/O. Each driver declares the parameters it accepts with
their defaults, so a spec with a misspelt key fails before anything runs::

    @driver("capacity", defaults={"n": 1000, "alpha": 0.1})
    def capacity(params, seed):
        ...
        return {"m_mean": 0.97}

``DRIVERS`` maps names to :class:`Driver` objects; ``get_driver(name)`` imports the modules
listed in ``MODULES`` on first use.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

#: Modules (under assoc.experiments) that register drivers when imported.
MODULES = ["capacity", "sdr", "spiking", "mqar", "dense", "phase", "fragments", "interference", "forgetting", "dense_phase", "sparse_interference"]


@dataclass(frozen=True)
class Driver:
    name: str
    func: Callable[[dict, np.random.SeedSequence], dict]
    defaults: dict
    doc: str

    def resolve(self, params: dict) -> dict:
        """Defaults overlaid with ``params``; unknown keys raise ``ValueError``."""
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            raise ValueError(
                f"unknown parameter(s) {unknown} for driver {self.name!r}; allowed: {sorted(self.defaults)}"
            )
        out = dict(self.defaults)
        out.update(params)
        return out

    def __call__(self, params: dict, seed: Any) -> dict:
        return self.func(self.resolve(params), seed)


DRIVERS: dict[str, Driver] = {}


def driver(name: str, *, defaults: dict) -> Callable:
    """Register ``func`` as the driver ``name`` accepting the parameters in ``defaults``."""

    def wrap(func: Callable) -> Callable:
        DRIVERS[name] = Driver(name, func, dict(defaults), (func.__doc__ or "").strip())
        return func

    return wrap


def _load_all() -> None:
    for mod in MODULES:
        importlib.import_module(f"{__name__}.{mod}")


def get_driver(name: str) -> Driver:
    """The driver registered as ``name`` (ValueError naming the known drivers otherwise)."""
    if not isinstance(name, str):
        raise TypeError(f"driver must be a string, got {name!r}")
    if name not in DRIVERS:
        _load_all()
    if name not in DRIVERS:
        raise ValueError(f"driver must be one of {sorted(DRIVERS)}, got {name!r}")
    return DRIVERS[name]


def list_drivers() -> dict[str, Driver]:
    _load_all()
    return dict(sorted(DRIVERS.items()))
