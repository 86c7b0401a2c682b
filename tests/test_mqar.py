"""MQAR: every EpisodicMemory family on one task, in the reduced form and on Zoology's sequences."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from assoc.memories import fastweight as fw


def _mqar():
    """The registered MQAR driver (its module imported directly, not through the registry)."""
    importlib.import_module("assoc.experiments.mqar")
    from assoc.experiments import get_driver

    return get_driver("mqar")


def _run(seed, **params):
    return _mqar()(params, np.random.SeedSequence(seed))


# --------------------------------------------------------------------------- the rules on their own


def test_decaying_linear_attention_scales_each_orthonormal_pair_by_its_age():
    """With d orthonormal keys, linear attention with decay reads value t scaled by
    (1 - decay)^(P - 1 - t); the numpy closed form and the compiled scan agree."""
    from scipy.linalg import hadamard

    d = 16
    keys = hadamard(d) / np.sqrt(d)
    values = np.random.default_rng(0).normal(size=(d, 5))
    w = 0.9 ** np.arange(d - 1, -1, -1)
    for be in ("numpy", "numba"):
        mem = fw.LinearAttention(d, 5, decay=0.1, backend=be)
        mem.store(keys, values)
        np.testing.assert_allclose(mem.read(keys), w[:, None] * values, atol=1e-12)


def test_delta_rule_overwrites_a_repeated_key_where_linear_attention_adds():
    k = np.array([[1.0, 0.0], [1.0, 0.0]])
    v = np.array([[1.0], [3.0]])
    delta, linear = fw.DeltaNet(2, 1), fw.LinearAttention(2, 1)
    delta.store(k, v)
    linear.store(k, v)
    assert delta.read(k[:1])[0, 0] == pytest.approx(3.0)
    assert linear.read(k[:1])[0, 0] == pytest.approx(4.0)


# --------------------------------------------------------------------------- the driver, reduced form


def _check_softmax_is_one_modern_hopfield_step(seed):
    """At beta = 0.5 / sqrt(d) on raw +/-1 dot products the softmax weights spread over many
    pairs, so reads are blends with wrong entries (and at P = 512 wrong tokens). Softmax
    attention and one modern-Hopfield step from [q | 0] must give the same accuracy and bit
    error on those imperfect reads."""
    beta = 0.5 / np.sqrt(32)
    for p in (32, 512):
        a = _run(seed, family="softmax_attention", n_pairs=p, key_dim=32, beta=beta, normalize=False)
        b = _run(seed, family="modern_hopfield", n_pairs=p, key_dim=32, beta=beta)
        assert a["bit_error"] > 0.0 and (p < 512 or a["accuracy"] < 1.0), a  # neither memory is perfect
        assert a["accuracy"] == b["accuracy"] and a["bit_error"] == b["bit_error"], (a, b)


def test_mqar_softmax_attention_is_one_modern_hopfield_step():
    _check_softmax_is_one_modern_hopfield_step(0)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(1, 11))
def test_mqar_softmax_attention_is_one_modern_hopfield_step_over_seeds(seed):
    _check_softmax_is_one_modern_hopfield_step(seed)


def test_mqar_linear_attention_fails_beyond_the_key_dimension_where_softmax_does_not():
    """At P = d/4 both recall every pair; at P = 16 d linear attention is near chance while
    softmax attention and the exponential dense memory still recall all 64 queried pairs."""
    d = 32
    low = {f: _run(3, family=f, n_pairs=d // 4, key_dim=d)["accuracy"] for f in ("linear_attention",
                                                                                  "softmax_attention")}
    high = {f: _run(3, family=f, n_pairs=16 * d, key_dim=d)["accuracy"] for f in ("linear_attention",
                                                                                  "softmax_attention")}
    high["dense_exp"] = _run(3, family="dense", energy="exponential", n_pairs=16 * d, key_dim=d)["accuracy"]
    assert low == {"linear_attention": 1.0, "softmax_attention": 1.0}
    assert high["linear_attention"] < 0.3 and high["softmax_attention"] == 1.0 and high["dense_exp"] == 1.0


def _check_linear_attention_bit_error(block):
    """Wrong value entries of linear attention against Phi(-sqrt(d / (P - 1))) at d = 64.

    Entries read at one query share its crosstalk coefficients, so the unit of the sample is
    the sequence: the error fraction of S independent sequences, whose standard error is
    estimated from those S values. The theory must lie within 4 standard errors of the mean,
    and S is large enough that 4 of them are under 10 % of the predicted rate, so a 15 % error
    in the rate is resolved at every P.
    """
    from assoc.theory import linear_attention_bit_error

    for p, sequences in ((16, 400), (64, 40), (256, 40)):
        errs = np.array([_mqar()({"family": "linear_attention", "n_pairs": p, "key_dim": 64},
                                 np.random.SeedSequence(s, spawn_key=(block,)))["bit_error"]
                         for s in range(sequences)])
        se = errs.std(ddof=1) / np.sqrt(sequences)
        th = float(linear_attention_bit_error(p, 64))
        assert 4 * se < 0.10 * th, (p, se, th)
        assert abs(errs.mean() - th) < 4 * se, (p, errs.mean(), se, th)


def test_mqar_linear_attention_bit_error_matches_signal_to_noise_theory():
    from assoc.theory import linear_attention_bit_error

    _check_linear_attention_bit_error(0)
    assert linear_attention_bit_error(65, 64) == pytest.approx(0.1587, abs=1e-4)  # P - 1 = d: Phi(-1)


@pytest.mark.slow
@pytest.mark.parametrize("block", range(1, 11))
def test_mqar_linear_attention_bit_error_over_seeds(block):
    _check_linear_attention_bit_error(block)


def test_mqar_state_size_counts_what_each_memory_holds():
    d, dv, p = 32, 48, 40
    rows = {f: _run(0, family=f, n_pairs=p, key_dim=d, value_dim=dv)["state_size"]
            for f in ("deltanet", "softmax_attention", "willshaw", "hopfield")}
    assert rows == {"deltanet": d * dv, "softmax_attention": p * (d + dv), "willshaw": d * dv,
                    "hopfield": (d + dv) * (d + dv - 1)}


def test_mqar_refuses_unknown_family_and_foreign_parameters():
    with pytest.raises(ValueError, match="family must be one of.*delta_net|did you mean"):
        _mqar()({"family": "delta_net"}, np.random.SeedSequence(0))
    with pytest.raises(ValueError, match="energy"):
        _mqar()({"family": "deltanet", "energy": "exponential"}, np.random.SeedSequence(0))


# --------------------------------------------------------------------------- Zoology's sequences


def test_zoology_sequences_have_the_published_layout():
    from assoc.experiments.mqar import zoology_sequence

    rng = np.random.default_rng(0)
    p, vocab, length = 12, 64, 80
    for _ in range(20):
        seq, keys, values, where = zoology_sequence(p, vocab, length, 0.01, rng)
        assert len(set(keys)) == p and keys.min() >= 1 and keys.max() < vocab // 2
        assert values.min() >= vocab // 2 and values.max() < vocab
        np.testing.assert_array_equal(seq[: 2 * p: 2], keys)
        np.testing.assert_array_equal(seq[1: 2 * p: 2], values)
        assert ((where - 2 * p) % 2 == 0).all() and (where >= 2 * p).all()
        np.testing.assert_array_equal(seq[where], keys)
        rest = np.ones(length, dtype=bool)
        rest[: 2 * p] = False
        rest[where] = False
        assert (seq[rest] == 0).all()  # fillers everywhere else


def test_zoology_query_gaps_follow_the_power_law():
    """With one pair the gap g is drawn with probability (g + 1)^(a - 1) / Z; over 4000
    sequences the frequency of g = 0 is within 4 binomial standard errors of it (a = 0.3:
    0.33 over 20 slots, against 0.05 for uniform gaps)."""
    from assoc.experiments.mqar import zoology_sequence

    rng = np.random.default_rng(1)
    a, space, n = 0.3, 20, 4000
    gaps = np.array([(zoology_sequence(1, 16, 2 + 2 * space, a, rng)[3][0] - 2) // 2 for _ in range(n)])
    w = np.arange(1, space + 1) ** (a - 1.0)
    w /= w.sum()
    for g in (0, 1, 5):
        freq = np.mean(gaps == g)
        assert abs(freq - w[g]) < 4 * np.sqrt(w[g] * (1 - w[g]) / n), (g, freq, w[g])


def test_zoology_reads_happen_at_the_query_position():
    """The delta rule recalls every pair when each query is read in its place; had the
    whole sequence been written first, the (key -> filler) pair written after each query
    would have erased that key's value (accuracy near 0)."""
    r = _run(0, family="deltanet", sequence="zoology", n_pairs=16, key_dim=64, value_dim=64, vocab=128)
    assert r["accuracy"] == 1.0


def test_zoology_gates_forget_the_oldest_pairs():
    """With a forgetting gate of 0.3 per token the first pairs of the context are written
    over by the later ones (their signal shrinks by 0.7 per token), so recall falls well
    below the ungated delta rule's."""
    common = dict(sequence="zoology", n_pairs=32, key_dim=64, value_dim=64, vocab=128)
    gated = np.mean([_run(s, family="gated_deltanet", decay=0.3, **common)["accuracy"] for s in range(3)])
    plain = np.mean([_run(s, family="deltanet", **common)["accuracy"] for s in range(3)])
    assert plain > 0.9 and gated < 0.5, (plain, gated)


def test_zoology_spec_errors_are_found_when_the_spec_loads():
    drv = _mqar()
    with pytest.raises(ValueError, match="vocab"):
        drv.resolve({"sequence": "zoology", "n_pairs": 40, "vocab": 64})
    with pytest.raises(ValueError, match="seq_len"):
        drv.resolve({"sequence": "zoology", "n_pairs": 10, "seq_len": 30})
