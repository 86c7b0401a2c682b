"""Pattern families and cue corruption: the statistics they promise, exactly or within
binomial error bars, and seeded reproducibility."""

from __future__ import annotations

import numpy as np
import pytest

from assoc import patterns as pt


def test_random_pm1_is_unbiased_and_seeded():
    x = pt.random_pm1(200, 500, rng=0)
    assert set(np.unique(x)) == {-1, 1}
    # mean of 1e5 +/-1 values: sd 1/sqrt(1e5) = 0.0032; allow 4 sd
    assert abs(x.mean()) < 4 / np.sqrt(x.size)
    np.testing.assert_array_equal(x, pt.random_pm1(200, 500, rng=0))
    assert not np.array_equal(x, pt.random_pm1(200, 500, rng=1))


def test_biased_and_sparse_activity():
    x = pt.biased_pm1(100, 1000, 0.4, rng=1)
    assert abs(x.mean() - 0.4) < 4 * np.sqrt((1 - 0.16) / x.size)
    y = pt.sparse_binary(100, 1000, a=0.05, rng=2)
    assert abs(y.mean() - 0.05) < 4 * np.sqrt(0.05 * 0.95 / y.size)
    z = pt.sparse_binary(50, 300, k=12, rng=3)
    assert (z.sum(axis=1) == 12).all()


def test_diluted_fraction_of_zeros():
    x = pt.diluted(100, 1000, 0.3, rng=4)
    assert abs((x == 0).mean() - 0.3) < 4 * np.sqrt(0.21 / x.size)
    assert abs(x[x != 0].mean()) < 0.02


def test_correlated_children_overlap_parent_by_c_and_siblings_by_c2():
    kids, parents = pt.correlated(20, 10, 2000, 0.6, rng=5)
    k = kids.reshape(20, 10, 2000).astype(float)
    to_parent = (k * parents[:, None, :]).mean(axis=2)
    assert abs(to_parent.mean() - 0.6) < 0.01
    sib = np.einsum("pin,pjn->pij", k, k) / 2000
    off = sib[:, ~np.eye(10, dtype=bool)]
    assert abs(off.mean() - 0.36) < 0.01


def test_archetype_examples_have_quality_r():
    ex, xi = pt.archetypes(5, 40, 2000, 0.3, rng=6)
    q = (ex * xi[:, None, :]).mean(axis=2)
    assert abs(q.mean() - 0.3) < 4 * np.sqrt((1 - 0.09) / (5 * 40 * 2000))
    assert pt.dataset_entropy(0.3, 40) == pytest.approx((1 - 0.09) / (40 * 0.09))


def test_flip_changes_exactly_the_requested_number_of_bits():
    x = pt.random_pm1(30, 200, rng=7)
    y = pt.flip(x, 0.1, rng=8)
    assert ((x != y).sum(axis=1) == 20).all()
    b = pt.sparse_binary(30, 200, a=0.1, rng=9)
    c = pt.flip(b, 0.05, rng=10, alphabet="binary")
    assert ((b != c).sum(axis=1) == 10).all() and set(np.unique(c)) <= {0, 1}


def test_fragment_keeps_a_fraction_and_erases_or_randomises_the_rest():
    x = pt.random_pm1(30, 200, rng=11)
    e = pt.fragment(x, 0.25, rng=12, rest="erase")
    assert ((e != 0).sum(axis=1) == 50).all()
    assert (e[e != 0] == x[e != 0]).all()
    r = pt.fragment(x, 0.25, rng=12, rest="random")
    agree = (r == x).mean(axis=1)  # 50 kept + ~75 of the 150 random agree by chance
    assert abs(agree.mean() - (50 + 75) / 200) < 0.03
    c = pt.fragment(x, 0.5, rest="erase", contiguous=True)
    assert (c[:, :100] == x[:, :100]).all() and (c[:, 100:] == 0).all()


def test_clamp_mask_counts():
    m = pt.clamp_mask(10, 100, 0.3, rng=13)
    assert (m.sum(axis=1) == 30).all()


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: pt.random_pm1(-1, 10), "p must be >= 0"),
        (lambda: pt.biased_pm1(1, 10, 1.0), r"bias must lie in \(-1"),
        (lambda: pt.sparse_binary(1, 10), "exactly one of a"),
        (lambda: pt.sparse_binary(1, 10, k=11), "k must be <= 10"),
        (lambda: pt.diluted(1, 10, 1.0), r"d must lie in \[0, 1\)"),
        (lambda: pt.archetypes(1, 0, 10, 0.5), "m must be >= 1"),
        (lambda: pt.archetypes(1, 1, 10, 1.5), r"r must lie in \[-1, 1\]"),
        (lambda: pt.flip(np.zeros((1, 4)), 0.5), r"values in \{1, -1\}"),
        (lambda: pt.fragment(np.ones((1, 4)), 0.5, rest="zero"), "rest must be one of"),
        (lambda: pt.random_pm1(2, 3, rng="seed"), "rng must be"),
    ],
)
def test_bad_arguments_name_the_parameter(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
