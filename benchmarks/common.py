"""Timing, machine description and roofline measurements shared by the benchmarks.

Every comparison is measured in one run, implementations interleaved repeat by repeat, and
reported as the median over repeats; ratios are taken between medians of the same run.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np


@dataclass
class Result:
    """One implementation of one workload."""

    workload: str
    impl: str
    median_s: float
    repeats: int
    quality: str = ""
    extra: dict = field(default_factory=dict)


def interleaved(impls: dict[str, Callable[[], object]], repeats: int, *, warmup: bool = True,
                repeats_for: dict[str, int] | None = None) -> dict[str, tuple[float, list[float], object]]:
    """Time each callable ``repeats`` times, alternating between them; returns
    ``{name: (median seconds, all times, last return value)}``. ``repeats_for`` lowers the
    count for very slow peers."""
    if warmup:
        for name, fn in impls.items():
            if (repeats_for or {}).get(name, repeats) > 1:
                fn()
    times: dict[str, list[float]] = {k: [] for k in impls}
    last: dict[str, object] = {}
    for r in range(repeats):
        for name, fn in impls.items():
            if r >= (repeats_for or {}).get(name, repeats):
                continue
            t0 = time.perf_counter()
            last[name] = fn()
            times[name].append(time.perf_counter() - t0)
    return {k: (float(np.median(v)), v, last.get(k)) for k, v in times.items()}


def machine() -> dict[str, str]:
    """Processor, core count, memory and library versions."""
    import numba
    import scipy

    import assoc

    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    info = {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{mem:.0f} GiB",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": f"{numba.__version__} ({numba.config.NUMBA_NUM_THREADS} threads)",
        "assoc": assoc.__version__,
    }
    try:
        from threadpoolctl import threadpool_info

        blas = [f"{d.get('internal_api')} {d.get('version')} ({d.get('num_threads')} threads, "
                f"{d.get('architecture')})" for d in threadpool_info() if d.get("user_api") == "blas"]
        info["blas"] = "; ".join(blas)
    except ImportError:
        pass
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            info[var] = os.environ[var]
    return info


def gemm_rate(dtype=np.float32, n: int = 2048, repeats: int = 5) -> float:
    """Measured matrix-product rate in FLOP/s for ``n x n`` products of ``dtype``."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(dtype)
    b = rng.standard_normal((n, n)).astype(dtype)
    a @ b
    t = interleaved({"gemm": lambda: a @ b}, repeats, warmup=False)["gemm"][0]
    return 2.0 * n**3 / t


def bandwidth(nbytes: int = 256 * 2**20, repeats: int = 5) -> float:
    """Measured memory bandwidth in bytes/s (read + write of a large array copy)."""
    src = np.ones(nbytes // 8)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    t = interleaved({"copy": lambda: np.copyto(dst, src)}, repeats, warmup=False)["copy"][0]
    return 2.0 * nbytes / t


def fit_exponent(xs, ts) -> float:
    """Slope of log(t) against log(x): the measured scaling exponent."""
    return float(np.polyfit(np.log(xs), np.log(ts), 1)[0])
