"""Per-call latency of the episodic memories as an agent uses them, on busy cores.

An agent writes and reads one row per environment step while the environment and the learner
hold the cores. This benchmark starts two busy-looping processes (one per core of the 2-core
reference machine) for its whole duration and measures, for every family EpisodicMemory drives
(``assoc.agents.episodic_families()``, numba backend), with 50 items stored:

- ``write``: ``EpisodicMemory.write`` of one (key, value) row (a fresh copy of the 50-item
  memory per repeat, so every write lands on 50 items);
- ``read``: ``EpisodicMemory.read`` of one key;
- ``store`` / ``recall``: the family's own call on the same encoded row (what the
  EpisodicMemory layer adds, encoding and validation, is the difference).

Keys are 16 reals encoded by the family's default encoder; values have 32 entries. The target
is at most 100 us per call (median). The thread-pool comparison (the kernel policy forced to
the parallel path) is measured in the same run, interleaved.

Run:  python benchmarks/bench_agents.py [--quick]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

import numpy as np

KEY_DIM, VALUE_DIM, STORED = 16, 32, 50
TARGET_US = 100.0


def _busy(stop) -> None:
    while not stop.is_set():
        pass


def _values(alphabet: str, rng: np.random.Generator, b: int, d: int) -> np.ndarray:
    if alphabet == "pm1":
        return rng.choice(np.array([-1, 1], dtype=np.int8), size=(b, d))
    if alphabet == "binary":  # a fixed number of active bits, as Willshaw's k-WTA read-out expects
        v = np.zeros((b, d), dtype=np.int8)
        for r in range(b):
            v[r, rng.choice(d, 4, replace=False)] = 1
        return v
    return rng.standard_normal((b, d))


def _copy(mem):
    """An independent copy of an EpisodicMemory (its exact state, rebuilt)."""
    return type(mem).from_state_dict(mem.state_dict())


def _median_us(times: list[float]) -> float:
    return float(np.median(times)) * 1e6


def measure_family(name: str, repeats: int) -> dict[str, float]:
    """Median microseconds of single-row write / read / store / recall for one family."""
    from assoc.agents import EpisodicMemory, episodic_families

    fam = episodic_families()[name]
    rng = np.random.default_rng(0)
    keys = rng.standard_normal((STORED + 1, KEY_DIM))
    vals = _values(fam.alphabet, rng, STORED + 1, VALUE_DIM)
    base = EpisodicMemory(name, key_dim=KEY_DIM, value_dim=VALUE_DIM, encoder="auto", backend="numba", seed=0)
    base.write(keys[:STORED], vals[:STORED])
    warm = _copy(base)
    warm.write(keys[STORED:], vals[STORED:])  # compile / warm every path once
    base.read(keys[:1])
    copies = [_copy(base) for _ in range(repeats)]
    code = base.encode(keys[STORED:])
    mems = [c.memory for c in [_copy(base) for _ in range(repeats)]]
    auto = fam.episodic_mode == "auto"
    if auto:
        cue = np.concatenate([base.encode(keys[:1]), np.zeros((1, VALUE_DIM), dtype=code.dtype)], axis=1)
        kwargs = dict(fam.recall_kwargs)
        if fam.clamp and getattr(base.memory, "dynamics", None) != "sync":
            mask = np.zeros(cue.shape, dtype=bool)
            mask[:, : base.code_dim] = True
            kwargs["clamp"] = mask
    else:
        cue, kwargs = base.encode(keys[:1]), dict(fam.recall_kwargs)
    t = {"write": [], "read": [], "store": [], "recall": []}
    for r in range(repeats):
        k = keys[r % STORED : r % STORED + 1]
        t0 = time.perf_counter()
        copies[r].write(keys[STORED:], vals[STORED:])
        t1 = time.perf_counter()
        base.read(k)
        t2 = time.perf_counter()
        if auto:
            mems[r].store(np.concatenate([code, vals[STORED:]], axis=1))
        else:
            mems[r].store(code, vals[STORED:])
        t3 = time.perf_counter()
        base.memory.recall(cue, **kwargs)
        t4 = time.perf_counter()
        t["write"].append(t1 - t0)
        t["read"].append(t2 - t1)
        t["store"].append(t3 - t2)
        t["recall"].append(t4 - t3)
    return {k: _median_us(v) for k, v in t.items()}


def thread_pool_comparison(repeats: int) -> tuple[float, float]:
    """Willshaw single-pair write: the kernel policy (serial) against the parallel store forced,
    interleaved; medians in microseconds."""
    from assoc.agents import EpisodicMemory
    from assoc.kernels import cpu

    rng = np.random.default_rng(1)
    keys = rng.standard_normal((STORED + 1, KEY_DIM))
    vals = _values("binary", rng, STORED + 1, VALUE_DIM)
    base = EpisodicMemory("willshaw", key_dim=KEY_DIM, value_dim=VALUE_DIM, encoder="auto", backend="numba", seed=0)
    base.write(keys[:STORED], vals[:STORED])
    saved = cpu.PARALLEL_MIN_WORK
    times = {"policy": [], "forced": []}
    try:
        for r in range(repeats + 1):
            for mode in ("policy", "forced"):
                cpu.PARALLEL_MIN_WORK = saved if mode == "policy" else 0
                mem = _copy(base)
                t0 = time.perf_counter()
                mem.write(keys[STORED:], vals[STORED:])
                if r:  # the first round warms both compilations
                    times[mode].append(time.perf_counter() - t0)
    finally:
        cpu.PARALLEL_MIN_WORK = saved
    return _median_us(times["policy"]), _median_us(times["forced"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--busy", type=int, default=2, help="busy-looping processes held during the run")
    args = ap.parse_args()
    repeats = 40 if args.quick else 200

    from assoc.agents import episodic_families

    families = sorted(episodic_families())
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    procs = [ctx.Process(target=_busy, args=(stop,), daemon=True) for _ in range(args.busy)]
    for p in procs:
        p.start()
    try:
        time.sleep(0.5)  # let the busy processes take the cores
        rows = {name: measure_family(name, repeats) for name in families}
        policy, forced = thread_pool_comparison(max(20, repeats // 4))
    finally:
        stop.set()
        for p in procs:
            p.join(timeout=5)
    import numba

    print(f"Single-row calls with {STORED} items stored, numba backend ({numba.get_num_threads()} Numba threads), "
          f"{args.busy} busy-looping processes holding the cores ({os.cpu_count()} cores); keys of {KEY_DIM} reals "
          f"through the family's default encoder, values of {VALUE_DIM} entries; medians over {repeats} calls, "
          f"microseconds. Absolute times move with whatever else runs on the machine; read the ratios.")
    print()
    print(f"{'family':16s} {'write':>9s} {'read':>9s} {'store':>9s} {'recall':>9s}  target <= {TARGET_US:.0f} us")
    for name in families:
        r = rows[name]
        ok = "met" if max(r["write"], r["read"]) <= TARGET_US else "missed"
        print(f"{name:16s} {r['write']:9.1f} {r['read']:9.1f} {r['store']:9.1f} {r['recall']:9.1f}  {ok}")
    print()
    print("write / read: EpisodicMemory (encoding, validation, bookkeeping and the family call); store / recall: "
          "the family's own call on the encoded row.")
    print(f"Willshaw single-pair write, thread-pool policy against the parallel store forced (interleaved): "
          f"{policy:.1f} us against {forced:.1f} us ({forced / policy:.1f}x).")


if __name__ == "__main__":
    main()
