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
