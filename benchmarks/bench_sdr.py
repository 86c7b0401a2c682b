"""Benchmarks of the sparse-distributed memories, side by side, reported as ratios of one run.

1. Willshaw retrieval at n = 16384: bit-packed synapses with popcount dendritic sums
   (``assoc.memories.willshaw.Willshaw``, numba backend) against a dense float32 weight matrix product on
   the same cue batch (NumPy BLAS), and against the numpy reference twin. Both give the same
   dendritic sums; the check is printed.
2. Best match over 100,000 stored SDRs (n = 2048, 40 active): the inverted index
   (``assoc.memories.index.SDRIndex``) against a bit-packed popcount scan and a dense float32 product.

Run:  python benchmarks/bench_sdr.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from assoc.kernels import kernel
from assoc.memories.bits import pack_bits
from assoc.memories.index import SDRIndex
from assoc.memories.willshaw import Willshaw


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def random_sparse(p: int, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    idx = np.argsort(rng.random((p, n), dtype=np.float32), axis=1)[:, :k]
    out = np.zeros((p, n), dtype=np.int8)
    np.put_along_axis(out, idx, 1, axis=1)
    return out


def bench_willshaw(n: int, k: int, pairs: int, batch: int, rng: np.random.Generator) -> None:
    print(f"\n[1] Willshaw retrieval, n = {n}, k = l = {k}, {pairs} pairs stored, batch of {batch} cues")
    mem = Willshaw(n, backend="numba", keep_patterns=False)
    chunk = 10000
    t_store = 0.0
    for p0 in range(0, pairs, chunk):
        keys = random_sparse(min(chunk, pairs - p0), n, k, rng)
        t0 = time.perf_counter()
        mem.store(keys)
        t_store += time.perf_counter() - t0
    print(f"    store (bit-packed, numba): {t_store:.2f} s, p1 = {mem.p1():.3f}, "
          f"synapses {mem.packed_weights().nbytes / 2**20:.0f} MiB")
    cues = keys[:batch]
    packed = pack_bits(cues)
    w = mem.packed_weights()
    f_numba = kernel("and_popcount_t", "numba")
    f_numba(w, packed[:2])  # compile / warm
    t_packed = best_of(lambda: f_numba(w, packed))
    few = max(1, batch // 16)
    t_ref = best_of(lambda: kernel("and_popcount_t", "numpy")(w, packed[:few]), repeat=1) * batch / few
    dense = mem.weights().astype(np.float32)  # (n, n) W[i, j]
    x = cues.astype(np.float32)
    x[:2] @ dense
    t_dense = best_of(lambda: x @ dense)
    same = np.array_equal(f_numba(w, packed), (x @ dense).astype(np.int32))
    print(f"    bit-packed popcount (numba)   {t_packed * 1e3:9.2f} ms  ({t_packed / batch * 1e6:8.1f} us/cue)")
    print(f"    bit-packed popcount (numpy)   {t_ref * 1e3:9.2f} ms  (timed on {few} cues, scaled)")
    print(f"    dense float32 matmul (BLAS)   {t_dense * 1e3:9.2f} ms  ({dense.nbytes / 2**30:.2f} GiB of weights)")
    print(f"    ratio dense / bit-packed      {t_dense / t_packed:9.2f}x   (identical sums: {same})")
    print(f"    ratio numpy ref / numba       {t_ref / t_packed:9.2f}x")
    del dense


def bench_best_match(items: int, n: int, k: int, queries: int, rng: np.random.Generator) -> None:
    print(f"\n[2] best match over {items} stored SDRs, n = {n}, {k} active, {queries} queries")
    store = random_sparse(items, n, k, rng)
    # queries: stored items with a quarter of their bits moved
    q = store[rng.choice(items, size=queries, replace=False)].copy()
    for b in range(queries):
        on = np.flatnonzero(q[b])
        off = np.flatnonzero(q[b] == 0)
        q[b, rng.choice(on, k // 4, replace=False)] = 0
        q[b, rng.choice(off, k // 4, replace=False)] = 1
    idx = SDRIndex(n, backend="numba")
    t0 = time.perf_counter()
    idx.add(store)
    idx.best(q[:2])
    t_build = time.perf_counter() - t0
    t_index = best_of(lambda: idx.best(q))
    from assoc.kernels import cpu

    saved = cpu.PARALLEL_MIN_WORK
    cpu.PARALLEL_MIN_WORK = 1 << 62  # force the single-thread path
    t_index1 = best_of(lambda: idx.best(q))
    cpu.PARALLEL_MIN_WORK = saved
    one = q[:1]
    t_single = best_of(lambda: idx.best(one), repeat=20)
    sp, pq = pack_bits(store), pack_bits(q)
    scan = kernel("and_popcount", "numba")
    scan(sp[:10], pq[:2])
    t_scan = best_of(lambda: scan(sp, pq).argmax(axis=1))
    dense = store.astype(np.float32)
    xf = q.astype(np.float32)
    t_dense = best_of(lambda: (xf @ dense.T).argmax(axis=1))
    best, _ = idx.best(q)
    agree = np.array_equal(best, (xf @ dense.T).argmax(axis=1))
    print(f"    index build: {t_build:.2f} s")
    print(f"    inverted index (numba)         {t_index / queries * 1e3:8.4f} ms/query (batch), "
          f"{t_single * 1e3:.4f} ms for a single query")
    print(f"    inverted index, one thread     {t_index1 / queries * 1e3:8.4f} ms/query (batch)")
    print(f"    packed popcount scan (numba)   {t_scan / queries * 1e3:8.4f} ms/query")
    print(f"    dense float32 product (BLAS)   {t_dense / queries * 1e3:8.4f} ms/query")
    print(f"    ratio scan / index             {t_scan / t_index:8.2f}x")
    print(f"    ratio dense / index            {t_dense / t_index:8.2f}x   (same best matches: {agree})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes (n = 4096, 20,000 items)")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    import numba

    print(f"cores: {os.cpu_count()}, numba threads: {numba.config.NUMBA_NUM_THREADS}, numpy {np.__version__}")
    if args.quick:
        bench_willshaw(4096, 12, 20000, 64, rng)
        bench_best_match(20000, 2048, 40, 200, rng)
    else:
        bench_willshaw(16384, 14, 100000, 256, rng)
        bench_best_match(100000, 2048, 40, 1000, rng)


if __name__ == "__main__":
    main()
