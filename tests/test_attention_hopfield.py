"""Softmax attention is one modern-Hopfield update: the two reads agree entry by entry.

Compared at a small inverse temperature, where the softmax weights spread over many pairs and
the reads are blends far from the stored values, so the equality is checked on outputs that
carry the whole weighting, not on two perfect recalls.
"""

from __future__ import annotations

import numpy as np
import pytest

from assoc.agents import EpisodicMemory
from assoc.memories.fastweight import SoftmaxAttention


def _reads(seed, n_pairs, key_dim=32, value_dim=32, beta=0.5 / np.sqrt(32)):
    """Softmax attention, its definition written out, and one modern-Hopfield update from
    ``[q | 0]`` with the ``[k | v]`` patterns stored, at every stored key, on random +/-1 pairs."""
    rng = np.random.default_rng(seed)
    keys = np.where(rng.random((n_pairs, key_dim)) < 0.5, -1, 1).astype(np.int8)
    values = np.where(rng.random((n_pairs, value_dim)) < 0.5, -1, 1).astype(np.int8)
    z = beta * (keys.astype(np.float64) @ keys.T.astype(np.float64))  # query i is key i
    w = np.exp(z - z.max(axis=1, keepdims=True))
    definition = (w / w.sum(axis=1, keepdims=True)) @ values
    att = SoftmaxAttention(key_dim, value_dim, beta=beta, normalize=False, backend="numpy")
    att.store(keys, values)
    mem = EpisodicMemory("modern_hopfield", key_dim, value_dim, backend="numpy", beta=beta)
    mem.write(keys, values)
    hopfield, _ = mem.read(keys)
    return np.asarray(att.read(keys), dtype=np.float64), definition, np.asarray(hopfield, dtype=np.float64), values


def _check(seed):
    """Reads differ from the stored values (entries off by more than 1/2 at P = 32, entries of
    the wrong sign at P = 512); the three reads agree to float64 rounding (relative 1e-9), so any change of the
    weighting (an inverse temperature off by one part in 10^6 moves entries by ~1e-6) fails."""
    for p in (32, 512):
        att, ref, hop, vals = _reads(seed, p)
        assert np.abs(att - vals).max() > 0.5 and (p < 512 or (np.sign(att) != vals).mean() > 0.1)
        np.testing.assert_allclose(att, ref, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(hop, att, rtol=1e-9, atol=1e-12)


def test_softmax_attention_read_is_one_modern_hopfield_update_entry_by_entry():
    _check(0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 11))
def test_softmax_attention_read_is_one_modern_hopfield_update_over_seeds(seed):
    _check(seed)


# --------------------------------------------------------------------------- the per-call paths of the modern network


def _modern(seed=40, p=30, n=20, beta=2.0, backend="numpy"):
    from assoc.memories.modern import ModernHopfield

    rng = np.random.default_rng(seed)
    mem = ModernHopfield(n, beta=beta, backend=backend, max_steps=50)
    mem.store(rng.standard_normal((p, n)))
    return mem, rng


def test_regimes_of_a_few_queries_equal_those_of_the_numpy_selection():
    """Participation numbers on both sides of 1.5 and of 0.9 P, exactly at them, and NaN: the
    Python comparisons of a small batch give the names and dtype of ``np.where``'s."""
    from assoc.memories.modern import ModernHopfield

    p = 10
    k = np.array([1.0, 1.4999999, 1.5, 5.0, 0.9 * p, 0.9 * p - 1e-9, p, np.nan])
    weights = np.sqrt(1.0 / k)[:, None] * np.eye(1, p)  # one weight w with 1 / w**2 = k
    small, k_small = ModernHopfield.classify(weights)
    big, k_big = ModernHopfield.classify(np.repeat(weights, 10, axis=0))  # past the small-batch size
    want = np.where(k_small < 1.5, "single", np.where(k_small >= 0.9 * p, "global", "metastable"))
    assert small.dtype == want.dtype == big.dtype
    np.testing.assert_array_equal(small, want)
    np.testing.assert_array_equal(big, np.repeat(want, 10))
    assert ModernHopfield.classify(weights[:1])[0].dtype == want.dtype  # one name, the dtype of all three
    assert ModernHopfield.classify(np.ones((2, 1)))[0].tolist() == ["single", "single"]


@pytest.mark.parametrize("one_step", [True, False])
def test_recall_energy_and_attention_are_those_of_its_final_states(one_step):
    """The energy and attention a recall reports (computed from one softmax of the final states)
    equal :meth:`energy` and :meth:`softmax` of the states it returns, bit for bit."""
    mem, rng = _modern()
    cues = mem.patterns[:4] + 0.3 * rng.standard_normal((4, mem.n))
    out = mem.recall(cues, one_step=one_step)
    s, x = out.states, mem.patterns
    z = mem.beta * (s @ x.T)
    c = z.max(axis=1)
    lse = (c + np.log(np.exp(z - c[:, None]).sum(axis=1))) / mem.beta
    written_out = -lse + 0.5 * (s * s).sum(axis=1) + np.log(len(x)) / mem.beta + 0.5 * (x**2).sum(axis=1).max()
    np.testing.assert_array_equal(out.energy, written_out)
    np.testing.assert_array_equal(out.energy, mem.energy(out.states))
    np.testing.assert_array_equal(out.extra["attention"], mem.softmax(out.states))
    assert out.status.dtype == np.int8 and out.steps.dtype == np.int64


def test_checked_entries_of_the_modern_network_equal_the_public_calls():
    from assoc.memory import check_real

    a, rng = _modern()
    b, _ = _modern()
    x = rng.standard_normal((3, a.n))
    a.store(x)
    b._store_checked(check_real("patterns", x, a.n))
    np.testing.assert_array_equal(a.patterns, b.patterns)
    for kwargs in ({"one_step": True}, {"max_steps": 3}, {}):
        r1, r2 = a.recall(x, **kwargs), b._recall_checked(check_real("cues", x, a.n), **kwargs)
        for field in ("states", "overlaps", "steps", "converged", "status", "energy"):
            np.testing.assert_array_equal(getattr(r1, field), getattr(r2, field))
        for key in ("attention", "regime", "k_eff"):
            np.testing.assert_array_equal(r1.extra[key], r2.extra[key])
    with pytest.raises(TypeError, match="one_step"):
        b._recall_checked(x, one_step=1)


def test_an_item_whose_key_and_value_overflow_together_is_refused_whole():
    """Key and value each have a finite squared norm, their [key | value] row does not: the
    write is refused by the network's own check (on the path for checked rows), nothing stored."""
    mem = EpisodicMemory("modern_hopfield", 1, 1, backend="numpy")
    assert mem._checked
    with pytest.raises(ValueError, match="patterns are too large"):
        mem.write([[1.2e154]], [[1.2e154]])
    assert len(mem) == 0 and len(mem.memory) == 0
    mem.write([[1.0]], [[2.0]])
    assert len(mem) == 1
