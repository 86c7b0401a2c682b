"""One meaning of ``Recall.overlaps`` for every memory class: the cosine similarity of each
final state with each stored item's target (pattern, or value for hetero-association),
checked against :func:`assoc.metrics.cosine_overlaps` computed independently."""

from __future__ import annotations

import numpy as np
import pytest

from assoc import metrics
from assoc import patterns as pt
from assoc.memories.cascade import CascadeHopfield
from assoc.memories.dense import DenseAssociativeMemory
from assoc.memories.dense_hebbian import DenseHebbian
from assoc.memories.hopfield import Hopfield
from assoc.memories.kanerva import KanervaSDM
from assoc.memories.modern import ModernHopfield
from assoc.memories.multitask import MultitaskHebbian
from assoc.memories.segments import DendriticSegments
from assoc.memories.sparsey import Sparsey
from assoc.memories.willshaw import Willshaw

# --------------------------------------------------------------------------- the helper


def test_cosine_overlaps_on_each_alphabet():
    pm1 = pt.random_pm1(3, 50, rng=0)
    s = pt.flip(pm1, 0.2, rng=1)
    # +/-1: exactly the Mattis overlap, bit for bit
    np.testing.assert_array_equal(metrics.cosine_overlaps(s, pm1), metrics.mattis_overlap(s, pm1))
    # {0,1}: |s AND x| / sqrt(|s| |x|), 0 for an all-zero row
    a = np.array([[1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]])
    x = np.array([[1, 0, 0, 0], [1, 1, 1, 0]])
    np.testing.assert_allclose(metrics.cosine_overlaps(a, x),
                               [[1 / np.sqrt(2), 2 / np.sqrt(6)], [0, 0], [1 / 2, 3 / np.sqrt(12)]], rtol=1e-15)
    # real vectors: the usual cosine, scale free
    r = np.array([[3.0, 4.0], [-1.0, 0.0]])
    np.testing.assert_allclose(metrics.cosine_overlaps(r, 2 * r), [[1.0, -0.6], [-0.6, 1.0]], rtol=1e-15)
    assert metrics.cosine_overlaps(r, np.zeros((0, 2))).shape == (2, 0)
    with pytest.raises(ValueError, match="targets must have as many columns as states"):
        metrics.cosine_overlaps(r, np.ones((1, 3)))


# --------------------------------------------------------------------------- every class


def _sparse(p, n, k, seed):
    return pt.sparse_binary(p, n, k=k, rng=seed)


def _dense_binary(p, n, seed):
    return (np.random.default_rng(seed).random((p, n)) < 0.5).astype(np.int8)


def _diluted(p, n, d, seed):
    xi = pt.random_pm1(p, n, rng=seed)
    return (xi * (np.random.default_rng(seed + 1).random((p, n)) >= d)).astype(np.int8)


def _case(name, backend="numpy"):
    """(memory, store arguments, cues, targets, extra entry that held the former overlaps)."""
    xi = pt.random_pm1(4, 64, rng=1)
    if name == "hopfield":
        return Hopfield(64, backend=backend, seed=0), (xi,), xi, xi, None
    if name == "cascade":
        x = pt.random_pm1(2, 100, rng=2)
        return CascadeHopfield(100, 4, backend=backend, seed=0), (x,), x, x, None
    if name == "dense":
        return DenseAssociativeMemory(64, degree=3, backend=backend, seed=0), (xi,), xi, xi, None
    if name == "modern_hopfield":
        r = np.random.default_rng(3).normal(size=(4, 16))
        return ModernHopfield(16, beta=8.0, backend=backend), (r,), r, r, "attention"
    if name == "dense_hebbian":  # two examples per label: K = 2 labels, E = 4 stored examples
        return (DenseHebbian(64, 4, "unsupervised", backend=backend, seed=0), (xi, np.array([0, 0, 1, 1])),
                xi, xi, "class_overlaps")
    if name == "multitask":
        t = _diluted(4, 64, 0.3, 4)
        return MultitaskHebbian(64, backend=backend, seed=0), (t,), t, t, "mattis"
    if name == "willshaw":
        x = _sparse(4, 256, 10, 5)
        return Willshaw(256, backend=backend), (x,), x, x, None
    if name == "willshaw_hetero":
        x, y = _sparse(4, 256, 10, 6), _sparse(4, 128, 10, 7)
        return Willshaw(256, 128, backend=backend), (x, y), x, y, None
    if name == "kanerva":  # dense addresses, sparse values: 1 - Hamming is not the cosine there
        x, y = _dense_binary(4, 64, 8), _sparse(4, 128, 10, 9)
        return (KanervaSDM(64, 1000, activation=0.05, n_out=128, backend=backend, seed=0), (x, y), x, y,
                "hamming_similarity")
    if name == "sparsey":
        x = _sparse(4, 256, 10, 10)
        return Sparsey(256, modules=8, cells=8, backend=backend, seed=0), (x,), x, x, "code_agreement"
    if name == "dendritic":
        x = _sparse(4, 256, 20, 11)
        return (DendriticSegments(256, synapses=8, theta=4, backend=backend, seed=0), (x,), x, x,
                "subsample_overlap")
    raise AssertionError(name)


CASES = ["hopfield", "cascade", "dense", "modern_hopfield", "dense_hebbian", "multitask", "willshaw",
         "willshaw_hetero", "kanerva", "sparsey", "dendritic"]
#: at this load the last stored item is recalled exactly (every item, except for the cascade
#: palimpsest, whose older patterns fade; the multitask network's diluted patterns cannot be
#: matched by a +/-1 state)
EXACT = {"cascade": [1], "multitask": []}


def _check(out, targets, former, exact):
    states = np.asarray(out.states)
    overlaps = out.overlaps
    assert isinstance(overlaps, np.ndarray) and type(out.states) is np.ndarray  # numpy backend: host arrays
    assert overlaps.dtype == np.float64 and overlaps.shape == (len(states), len(targets))
    np.testing.assert_allclose(overlaps, metrics.cosine_overlaps(states, targets), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(out.best(), overlaps.argmax(axis=1))
    for b in exact:
        np.testing.assert_allclose(states[b], np.asarray(targets)[b], rtol=0, atol=1e-9)
        assert abs(overlaps[b, b] - 1.0) <= 1e-12
    if former is not None:  # the family's former quantity is kept, and is not the cosine
        old = np.asarray(out.extra[former], dtype=np.float64)
        assert old.shape != overlaps.shape or not np.allclose(old, overlaps, rtol=0, atol=1e-6), former


@pytest.mark.parametrize("name", CASES)
def test_overlaps_are_cosine_overlaps_with_the_stored_targets(name):
    mem, args, cues, targets, former = _case(name)
    mem.store(*args)
    out = mem.recall(cues)
    _check(out, targets, former, EXACT.get(name, range(len(targets))))
    one = mem.recall(cues[-1:])  # a batch of one lands on its own item too
    assert one.overlaps.shape == (1, len(targets))


@pytest.mark.parametrize("cls", [Hopfield, DenseAssociativeMemory])
def test_clamped_zero_entries_leave_zeros_and_the_overlap_is_still_the_cosine(cls):
    """Clamped erased entries stay 0, so ``|s|**2 < n``: the cosine is no longer s . xi / n."""
    xi = pt.random_pm1(3, 64, rng=12)
    mem = cls(64, backend="numpy", seed=0)
    mem.store(xi)
    cues = xi.copy()
    cues[:, :16] = 0
    clamp = np.zeros(cues.shape, dtype=bool)
    clamp[:, :16] = True
    out = mem.recall(cues, clamp=clamp)
    states = np.asarray(out.states)
    assert (states[:, :16] == 0).all() and (states[:, 16:] == xi[:, 16:]).all()
    np.testing.assert_allclose(out.overlaps, metrics.cosine_overlaps(states, xi), rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.diag(out.overlaps), np.sqrt(48 / 64), rtol=1e-15)
    assert not np.allclose(out.overlaps, metrics.mattis_overlap(states, xi))


def test_former_quantities_keep_their_numbers():
    """What ``overlaps`` used to hold is in ``extra`` with the same numbers."""
    r = np.random.default_rng(13).normal(size=(5, 12))
    mh = ModernHopfield(12, beta=0.5, backend="numpy")
    mh.store(r)
    out = mh.recall(r[:2], one_step=True)
    np.testing.assert_allclose(out.extra["attention"], mh.softmax(out.states), rtol=1e-12)

    t = _diluted(3, 80, 0.5, 14)
    mt = MultitaskHebbian(80, backend="numpy", seed=0)
    mt.store(t)
    out = mt.recall(t[:1])
    m = out.extra["mattis"]
    np.testing.assert_array_equal(m, mt.overlaps(out.states))
    np.testing.assert_array_equal(out.extra["sorted_m"], -np.sort(-np.abs(m), axis=1))

    x, y = _dense_binary(3, 64, 15), _sparse(3, 128, 10, 16)
    kv = KanervaSDM(64, 1000, activation=0.05, n_out=128, backend="numpy", seed=0)
    kv.store(x, y)
    out = kv.recall(x)
    hamming = (np.asarray(out.states)[:, None, :] != y[None, :, :]).sum(axis=2)
    np.testing.assert_allclose(out.extra["hamming_similarity"], 1 - hamming / 128, rtol=0, atol=1e-15)

    p = _sparse(4, 128, 16, 17)
    ds = DendriticSegments(128, synapses=8, theta=4, backend="numpy", seed=0)
    ds.store(p)
    out = ds.recall(p)
    sub = ds._sub  # packed subsamples of the stored patterns
    from assoc.memories.bits import unpack_bits

    np.testing.assert_allclose(out.extra["subsample_overlap"], p @ unpack_bits(sub, 128).T / 8, rtol=0, atol=0)

    sp = Sparsey(128, modules=6, cells=5, backend="numpy", seed=0)
    sp.store(p)
    out = sp.recall(p)
    agree = (out.extra["codes"][:, None, :] == sp.codes[None, :, :]).mean(axis=2)
    np.testing.assert_allclose(out.extra["code_agreement"], agree, rtol=0, atol=1e-15)

    dh = DenseHebbian(64, 4, "supervised", backend="numpy", seed=0)
    ex = pt.random_pm1(4, 64, rng=18)
    dh.store(ex, np.array([0, 1, 0, 1]))
    out = dh.recall(ex[:2])
    np.testing.assert_array_equal(out.extra["class_overlaps"], dh.class_overlaps(out.states))


# --------------------------------------------------------------------------- spiking (Brian2, numpy target)


def test_ca3_cam_overlaps_are_cosines_with_contents_and_with_one_hot_cues():
    pytest.importorskip("brian2")
    from assoc.memories.spiking.cam import CA3CAM

    mem = CA3CAM(5, 10)
    contents = np.zeros((3, 10), dtype=np.int8)
    for row, bits in enumerate(([0, 1, 8, 9], [1, 5, 6], [4, 5, 6])):
        contents[row, bits] = 1
    mem.store([0, 4, 3], contents)
    out = mem.recall([0, 4, 3])
    np.testing.assert_array_equal(out.states, contents)
    np.testing.assert_allclose(out.overlaps, metrics.cosine_overlaps(out.states, mem.contents), rtol=0, atol=1e-12)
    np.testing.assert_allclose(out.overlaps[[0, 1, 2], [0, 4, 3]], 1.0, rtol=0, atol=1e-12)
    # the fraction of each cue's bits read out: 1 of cue 0's 4 bits is in cue 4's recall
    np.testing.assert_allclose(out.extra["cue_bit_fraction"][1], [0.25, 0, 0, 2 / 3, 1.0], rtol=1e-15)
    assert not np.allclose(out.extra["cue_bit_fraction"], out.overlaps)
    frag = mem.recall_by_content([np.eye(10, dtype=np.int8)[6]])
    np.testing.assert_array_equal(frag.states, [[0, 0, 0, 1, 1]])
    np.testing.assert_allclose(frag.overlaps, [[0, 0, 0, 1 / np.sqrt(2), 1 / np.sqrt(2)]], rtol=1e-15)


def test_ca3_network_overlaps_are_cosines_and_the_correlation_is_kept():
    pytest.importorskip("brian2")
    from assoc.memories.spiking.ca3 import CA3Network, pattern_correlation

    x = pt.sparse_binary(2, 200, k=20, rng=5)
    net = CA3Network(200, p=0.2, a=0.1, seed=3, target="numpy")
    net.store(x)
    out = net.recall(x)
    assert out.overlaps.shape == (2, 2)
    np.testing.assert_allclose(out.overlaps, metrics.cosine_overlaps(out.states, x), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(out.extra["correlation"], pattern_correlation(out.states, x))
    assert not np.allclose(out.extra["correlation"], out.overlaps)
    assert (np.diag(out.overlaps) > 0.8).all()


# --------------------------------------------------------------------------- the GPU backend


@pytest.mark.gpu
@pytest.mark.parametrize("name", ["hopfield", "dense", "modern_hopfield", "willshaw_hetero", "kanerva", "sparsey",
                                  "dendritic", "multitask"])
def test_overlaps_live_on_the_backend_of_the_states(name):
    import cupy

    mem, args, cues, targets, _ = _case(name, backend="cupy")
    mem.store(*args)
    out = mem.recall(cues)
    assert isinstance(out.states, cupy.ndarray) and isinstance(out.overlaps, cupy.ndarray)
    np.testing.assert_allclose(out.overlaps.get(), metrics.cosine_overlaps(out.states.get(), targets),
                               rtol=0, atol=1e-12)

