"""Backend registry: names, auto resolution, clear refusal of unusable backends."""

import numpy as np
import pytest

from assoc.backend import available_backends, get_backend


def test_numpy_and_numba_are_usable_and_auto_resolves():
    table = available_backends()
    assert table["numpy"][0] and table["numba"][0]
    assert get_backend("auto").name in ("cupy", "numba")
    assert get_backend("numpy").xp is np


def test_unknown_backend_is_named():
    with pytest.raises(ValueError, match=r"backend must be one of 'numpy', 'numba', 'cupy', 'auto', got 'jax'"):
        get_backend("jax")
    with pytest.raises(TypeError, match="backend must be a string"):
        get_backend(3)


def test_cupy_request_without_device_is_refused_with_the_reason():
    ok, why = available_backends()["cupy"]
    if ok:
        pytest.skip("a CUDA device is usable here")
    with pytest.raises(ValueError, match="backend 'cupy' is not usable here"):
        get_backend("cupy")
    assert why


@pytest.mark.gpu
def test_cupy_sync_recall_matches_numpy():
    import assoc
    from assoc import patterns as pt

    xi = pt.random_pm1(40, 400, rng=0)
    cues = pt.flip(xi, 0.1, rng=1)
    outs = []
    for backend in ("numpy", "cupy"):
        for dyn in ("sync", "async"):
            mem = assoc.Hopfield(400, dynamics=dyn, backend=backend, seed=3)
            mem.store(xi)
            outs.append(mem.backend.to_numpy(mem.recall(cues).states))
    np.testing.assert_array_equal(outs[0], outs[2])
    np.testing.assert_array_equal(outs[1], outs[3])
