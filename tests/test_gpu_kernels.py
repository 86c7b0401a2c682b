"""The Numba-CUDA kernels of assoc.kernels.gpu, run under Numba's CUDA simulator on the CPU,
give the same states, overlaps/fields and flip counts as the reference kernels."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import numpy as np
    from assoc.kernels import gpu, ref
    from assoc import patterns as pt

    rng = np.random.default_rng(0)
    b, n, p = 5, 24, 4
    xi = pt.random_pm1(p, n, rng=1)
    w = xi.T.astype(np.float64) @ xi.astype(np.float64) / n
    np.fill_diagonal(w, 0)
    for temperature in (0.0, 0.7):
        s0 = pt.flip(xi[np.arange(b) % p], 0.3, rng=2)
        s0[0, :3] = 0  # erased entries
        order = np.array([rng.permutation(n) for _ in range(b)], dtype=np.int64)
        active = np.array([True, True, False, True, True])
        clamp = np.zeros((b, n), dtype=bool)
        clamp[1, :5] = True
        u = rng.random((b, n))
        counts = (xi.T.astype(np.int64) @ xi.astype(np.int64)).astype(np.int16)
        np.fill_diagonal(counts, 0)
        outs = []
        for mod in (ref, gpu):
            out = []
            for odt in (np.int64, np.float32):  # the overlaps' dtypes the Hopfield sweep uses
                s = s0.copy()
                m = (s.astype(np.int64) @ xi.T.astype(np.int64)).astype(odt)
                f1 = mod.async_sweep_patterns(s, m, np.ascontiguousarray(xi.T), order, active, clamp, temperature, u)
                out += [s, m, np.asarray(f1)]
            s2 = s0.copy()
            h = s2.astype(np.float64) @ w
            f2 = mod.async_sweep_weights(s2, h, w, order, active, clamp, temperature, u)
            s3 = s0.copy()  # integer Hebbian counts with integer fields, scale n
            h3 = (s3.astype(np.int64) @ counts.astype(np.int64)).astype(np.int32)
            f3 = mod.async_sweep_weights(s3, h3, counts, order, active, clamp, temperature, u, float(n))
            outs.append(out + [s2, h, np.asarray(f2), s3, h3, np.asarray(f3)])
        for a, c in zip(*outs):
            np.testing.assert_allclose(a, c, rtol=0, atol=1e-12)
        assert outs[0][2].sum() > 0
        for k in (3, 9):  # float32 overlaps and integer counts make the int64 pattern-space moves
            np.testing.assert_array_equal(outs[0][k], outs[0][0])
    print("gpu kernels agree")
    """
)


def test_gpu_kernels_match_reference_under_cuda_simulator():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    res = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "gpu kernels agree" in res.stdout
