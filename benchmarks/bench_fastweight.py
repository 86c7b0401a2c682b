"""Benchmarks of the fast-weight memories: write and read 4096 pairs at d = 128, per rule.

Each rule of :mod:`assoc.memories.fastweight` (numba backend, and the numpy backend: the
closed form of linear attention, the chunked WY form of DeltaNet, the NumPy twins of the
other recurrences) against a plain NumPy loop written as a user would write it, one
rank-one update per token, on the same keys and values. Times are medians of interleaved
repeats of one run; the ratio is plain loop / assoc numba; ``max |diff|`` is the largest
difference between the reads of the plain loop and of assoc (they compute the same state).

Run:  python benchmarks/bench_fastweight.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import interleaved  # noqa: E402

from assoc.memories import fastweight as fw  # noqa: E402


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def plain_loop(rule: str, keys: np.ndarray, values: np.ndarray, hp: dict) -> np.ndarray:
    """The state of a depth-1 memory after the pairs, one token at a time, in plain NumPy."""
    k_all, d, dv = _unit(keys), keys.shape[1], values.shape[1]
    s = np.full((dv, d), hp["scale"] / d) if rule == "memora" else np.zeros((dv, d))  # Memora: uniform rows
    aux = np.zeros((dv, d))
    keep = 1.0 - hp.get("decay", 0.0)
    for k, v in zip(k_all, values):
        if rule == "linear_attention":
            s = keep * s + np.outer(v, k)
        elif rule in ("deltanet", "gated_deltanet"):
            s = keep * s
            s += hp["lr"] * np.outer(v - s @ k, k)
        elif rule == "delta_product":
            for kj in hp["steps"](k):
                s += hp["lr"] * np.outer(v - s @ kj, kj)
        elif rule == "titans":
            aux = hp["momentum"] * aux - hp["lr"] * 2.0 * np.outer(s @ k - v, k)
            s = keep * s + aux
        elif rule == "moneta":
            e = s @ k - v
            aux = keep * aux - hp["lr"] * np.outer(hp["p"] * np.sign(e) * np.abs(e) ** (hp["p"] - 1), k)
            norm = np.sum(np.abs(aux) ** hp["q"]) ** (1 / hp["q"])
            s = aux / norm ** (hp["q"] - 2) if norm else aux * 0
        elif rule == "yaad":
            e = s @ k - v
            g = 2.0 * e if np.linalg.norm(e) <= hp["huber"] else hp["huber"] * np.sign(e)
            s = keep * s - hp["lr"] * np.outer(g, k)
        elif rule == "memora":
            z = keep * np.log(np.maximum(s / hp["scale"], 1e-300)) - hp["lr"] * 2.0 * np.outer(s @ k - v, k)
            z = np.exp(z - z.max(axis=1, keepdims=True))
            s = hp["scale"] * z / z.sum(axis=1, keepdims=True)
    return s


def case(name: str, n: int, p: int, repeats: int, rng: np.random.Generator) -> str:
    cls = fw.CLASSES[name]
    keys, values = rng.standard_normal((p, n)), rng.standard_normal((p, n))
    probe = cls(n, n, seed=0)
    hp = {k: getattr(probe, k) for k in ("lr", "decay", "momentum", "p", "q", "huber") if hasattr(probe, k)}
    if name == "yaad":
        hp["huber"] = probe._hyper()[3]
    if name == "memora":
        hp["scale"] = probe._mass
    if name == "delta_product":
        hp["steps"] = lambda k: probe.step_keys(k[None])[0]

    def run(backend):
        def go():
            mem = cls(n, n, backend=backend, seed=0)
            mem.store(keys, values)
            return mem.read(keys)
        return go

    def loop():
        return _unit(keys) @ plain_loop(name, keys, values, hp).T

    impls = {"assoc numba": run("numba"), "assoc numpy": run("numpy")}
    if name != "softmax_attention":
        impls["plain numpy loop"] = loop
    res = interleaved(impls, repeats, repeats_for={"plain numpy loop": max(1, repeats // 2)})
    base = res["assoc numba"][0]
    lines = [f"\n{name}: write {p} pairs then read them, d = n_out = {n}"]
    for impl, (t, _, out) in res.items():
        diff = float(np.abs(np.asarray(out) - np.asarray(res["assoc numba"][2])).max())
        lines.append(f"    {impl:18s} {t * 1e3:9.2f} ms   x{t / base:7.2f} of assoc numba   max |diff| {diff:.1e}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1024 pairs at d = 64")
    args = ap.parse_args()
    import numba

    print(f"cores: {os.cpu_count()}, numba threads: {numba.config.NUMBA_NUM_THREADS}, numpy {np.__version__}")
    n, p, repeats = (64, 1024, 3) if args.quick else (128, 4096, 5)
    rng = np.random.default_rng(0)
    for name in fw.CLASSES:
        print(case(name, n, p, repeats, rng), flush=True)


if __name__ == "__main__":
    main()
