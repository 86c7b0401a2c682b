"""Fast-weight memories: the identities between the rules, the compiled kernels against their
twins, the chunked delta rule, exact recall where theory says so, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from assoc.kernels import kernel
from assoc.memories import fastweight as fw
from assoc.memories.modern import ModernHopfield
from assoc.theory import linear_attention_bit_error

N, N_OUT = 24, 10


def _pairs(p, n=N, n_out=N_OUT, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((p, n)), rng.standard_normal((p, n_out))


def _reads(mem, keys, values, queries):
    mem.store(keys, values)
    return mem.read(queries)


# --------------------------------------------------------------------------- kernels vs twins


@pytest.mark.parametrize("subtract,keep,lr", [(True, 1.0, 1.0), (True, 0.9, 0.7), (False, 0.95, 1.0)])
def test_compiled_matrix_scan_equals_its_numpy_twin(subtract, keep, lr):
    rng = np.random.default_rng(1)
    keys = fw.normalize_rows(rng.standard_normal((3, 40, N)))
    values = rng.standard_normal((3, 40, N_OUT))
    out = {}
    for be in ("numpy", "numba"):
        s = rng.standard_normal((3, N_OUT, N)) * 0 + 0.1
        out[be] = kernel("fastweight_matrix_scan", be)(s, keys, values, lr, keep, subtract)
    np.testing.assert_allclose(out["numba"], out["numpy"], rtol=0, atol=1e-12)
    assert np.abs(out["numpy"]).max() > 0.1  # the pairs were written


@pytest.mark.parametrize("cls", [fw.Titans, fw.Moneta, fw.Yaad, fw.Memora])
@pytest.mark.parametrize("depth", [1, 2])
def test_compiled_neural_scan_equals_its_numpy_twin(cls, depth):
    keys, values = _pairs(30, seed=2)
    kwargs = {"huber": 2.0} if cls is fw.Yaad else {}  # both sides of Yaad's threshold are crossed
    reads = {}
    for be in ("numpy", "numba"):
        mem = cls(N, N_OUT, depth=depth, lr=0.1, decay=0.01, backend=be, seed=3, **kwargs)
        reads[be] = _reads(mem, keys, values, keys)
    np.testing.assert_allclose(reads["numba"], reads["numpy"], rtol=1e-9, atol=1e-10)
    assert np.abs(reads["numpy"]).max() > 0.05


def test_numpy_closed_and_chunked_forms_equal_the_token_kernel():
    keys, values = _pairs(150, seed=4)
    a = _reads(fw.LinearAttention(N, N_OUT, decay=0.02, backend="numpy"), keys, values, keys)  # closed form
    b = _reads(fw.LinearAttention(N, N_OUT, decay=0.02, backend="numba"), keys, values, keys)  # token kernel
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
    for be in ("numpy", "numba"):  # chunks of 16 against a write shorter than its chunk (token by token)
        a = _reads(fw.DeltaNet(N, N_OUT, lr=0.8, chunk=16, backend=be), keys, values, keys)
        b = _reads(fw.DeltaNet(N, N_OUT, lr=0.8, chunk=1000, backend=be), keys, values, keys)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


@pytest.mark.parametrize("chunk", [1, 7, 64, 500])
@pytest.mark.parametrize("lr", [0.3, 1.0, 1.9])
def test_chunked_delta_rule_equals_token_by_token(chunk, lr):
    rng = np.random.default_rng(5)
    keys = fw.normalize_rows(rng.standard_normal((2, 130, N)))
    values = rng.standard_normal((2, 130, N_OUT))
    s0 = rng.standard_normal((2, N_OUT, N))
    token = kernel("fastweight_matrix_scan", "numpy")(s0.copy(), keys, values, lr, 1.0, True)
    chunked = fw.delta_chunked(s0.copy(), keys, values, lr, chunk)
    np.testing.assert_allclose(chunked, token, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------- identities between rules


def test_gated_delta_without_decay_is_the_delta_rule():
    keys, values = _pairs(60, seed=6)
    a = _reads(fw.GatedDeltaNet(N, N_OUT, lr=0.7, decay=0.0), keys, values, keys)
    b = _reads(fw.DeltaNet(N, N_OUT, lr=0.7), keys, values, keys)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    c = _reads(fw.GatedDeltaNet(N, N_OUT, lr=0.7, decay=0.01), keys, values, keys)
    assert np.abs(c - b).max() > 1e-3  # the gate does act


def test_titans_matrix_without_momentum_or_decay_is_the_delta_rule_at_twice_the_rate():
    """Loss convention: Titans' ||M k - v||^2 (no 1/2) has gradient 2 (M k - v) k^T, so one
    step at rate theta is the delta rule's step at lr = 2 theta."""
    keys, values = _pairs(60, seed=7)
    for theta in (0.2, 0.45):
        a = _reads(fw.Titans(N, N_OUT, depth=1, lr=theta, momentum=0.0, decay=0.0), keys, values, keys)
        b = _reads(fw.DeltaNet(N, N_OUT, lr=2 * theta), keys, values, keys)
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    c = _reads(fw.Titans(N, N_OUT, depth=1, lr=0.2, momentum=0.3, decay=0.0), keys, values, keys)
    assert np.abs(c - _reads(fw.DeltaNet(N, N_OUT, lr=0.4), keys, values, keys)).max() > 1e-3


@pytest.mark.parametrize("depth", [1, 2])
def test_moneta_with_p_q_2_and_yaad_without_threshold_are_titans_without_momentum(depth):
    keys, values = _pairs(50, seed=8)
    common = dict(depth=depth, lr=0.05, decay=0.02, seed=9)
    ref = _reads(fw.Titans(N, N_OUT, momentum=0.0, **common), keys, values, keys)
    moneta = _reads(fw.Moneta(N, N_OUT, p=2.0, q=2.0, **common), keys, values, keys)
    yaad = _reads(fw.Yaad(N, N_OUT, huber=1e12, **common), keys, values, keys)
    np.testing.assert_allclose(moneta, ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(yaad, ref, rtol=1e-10, atol=1e-12)
    other = _reads(fw.Moneta(N, N_OUT, p=3.0, q=2.0, **common), keys, values, keys)
    assert np.abs(other - ref).max() > 1e-3  # p matters


def test_delta_product_with_one_step_is_the_delta_rule():
    keys, values = _pairs(40, seed=10)
    a = _reads(fw.DeltaProduct(N, N_OUT, lr=0.9, householder=1, seed=1), keys, values, keys)
    b = _reads(fw.DeltaNet(N, N_OUT, lr=0.9), keys, values, keys)
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_delta_product_state_is_the_product_of_householder_transitions():
    """S_t = S_{t-1} A_t + B_t with A_t = prod_j (I - lr k_j k_j^T) and
    B_t = sum_j lr v k_j^T prod_{i > j} (I - lr k_i k_i^T) (Siems et al. 2025, eq. for n_h steps)."""
    keys, values = _pairs(12, seed=11)
    lr, nh = 0.8, 3
    mem = fw.DeltaProduct(N, N_OUT, lr=lr, householder=nh, seed=2)
    mem.store(keys, values)
    steps = mem.step_keys(fw.normalize_rows(keys))
    s = np.zeros((N_OUT, N))
    eye = np.eye(N)
    for t in range(len(keys)):
        h = [eye - lr * np.outer(k, k) for k in steps[t]]
        a = np.linalg.multi_dot(h) if nh > 1 else h[0]
        b = sum(lr * np.outer(values[t], steps[t, j]) @ (np.linalg.multi_dot([eye] + h[j + 1:]) if j + 1 < nh
                                                          else eye) for j in range(nh))
        s = s @ a + b
    np.testing.assert_allclose(mem.state, s, rtol=0, atol=1e-10)


def test_softmax_attention_is_one_modern_hopfield_step_where_neither_is_perfect():
    """At a small beta the read is a blend of many values (far from its target), and the two
    memories still agree entry by entry."""
    keys, values = _pairs(40, seed=12)
    beta = 0.05
    att = fw.SoftmaxAttention(N, N_OUT, beta=beta, normalize=False)
    att.store(keys, values)
    out = att.recall(keys)
    hop = ModernHopfield(N + N_OUT, beta=beta)
    hop.store(np.concatenate([keys, values], axis=1))
    step = hop.update(np.concatenate([keys, np.zeros_like(values)], axis=1))[:, N:]
    np.testing.assert_allclose(np.asarray(out.states), step, rtol=1e-12, atol=1e-12)
    own = np.diag(np.asarray(out.overlaps))
    assert own.max() < 0.9 and np.mean(out.best() == np.arange(40)) < 1  # not two perfect memories


# --------------------------------------------------------------------------- what theory says


def test_delta_rule_recalls_d_orthonormal_pairs_exactly():
    rng = np.random.default_rng(13)
    keys = np.linalg.qr(rng.standard_normal((N, N)))[0]  # N orthonormal keys
    values = rng.standard_normal((N, N_OUT))
    for be in ("numpy", "numba"):
        mem = fw.DeltaNet(N, N_OUT, lr=1.0, backend=be)
        mem.store(keys, values)
        np.testing.assert_allclose(np.asarray(mem.recall(keys).states), values, rtol=0, atol=1e-12)
    lin = fw.LinearAttention(N, N_OUT)  # the Hebbian memory is exact on orthonormal keys too
    lin.store(keys, values)
    np.testing.assert_allclose(lin.read(keys), values, atol=1e-12)
    more = rng.standard_normal((N + 1, N))  # one key beyond the dimension: no longer exact
    mem = fw.DeltaNet(N, N_OUT)
    mem.store(more, rng.standard_normal((N + 1, N_OUT)))
    assert np.abs(mem.read(more[:1]) - mem.values[:1]).max() > 1e-3


def test_gated_delta_forgets_orthonormal_pairs_geometrically():
    """With orthonormal keys and lr = 1, the pair written a steps ago reads (1 - decay)^a v."""
    rng = np.random.default_rng(14)
    keys = np.linalg.qr(rng.standard_normal((N, N)))[0]
    values = rng.standard_normal((N, N_OUT))
    decay = 0.1
    mem = fw.GatedDeltaNet(N, N_OUT, lr=1.0, decay=decay)
    mem.store(keys, values)
    age = np.arange(N - 1, -1, -1)
    np.testing.assert_allclose(mem.read(keys), values * (1 - decay) ** age[:, None], rtol=0, atol=1e-12)


def test_linear_attention_sign_errors_follow_the_signal_to_noise_theory():
    """Random unit keys, +/-1 values: an entry of a read is wrong with probability
    Phi(-sqrt(d / (P - 1))). At d = 32, P = 9 that is 0.0228 (with P in place of P - 1 it
    would be 0.0297); 2000 sequences give a standard error near 0.0003, from the spread
    of the per-sequence error rates."""
    d, p, trials = 32, 9, 2000
    rng = np.random.default_rng(15)
    rates = np.empty(trials)
    for t in range(trials):
        keys = rng.standard_normal((p, d))
        values = np.where(rng.random((p, d)) < 0.5, -1.0, 1.0)
        mem = fw.LinearAttention(d, d)
        mem.store(keys, values)
        rates[t] = np.mean(np.sign(mem.read(keys)) != values)
    err, se = rates.mean(), rates.std(ddof=1) / np.sqrt(trials)
    theory = float(linear_attention_bit_error(p, d))
    assert theory == pytest.approx(norm.cdf(-2.0))
    assert abs(err - theory) < 4 * se, (err, theory, se)
    assert 4 * se < abs(float(linear_attention_bit_error(p + 1, d)) - theory) / 2  # resolves P vs P - 1


def test_memora_rows_stay_on_the_scaled_simplex():
    keys, values = _pairs(30, seed=16)
    mem = fw.Memora(N, N_OUT, depth=2, lr=0.3, scale=5.0, seed=1)
    mem.store(keys, values)
    for w in mem.weights:
        assert (w > 0).all()
        np.testing.assert_allclose(w.sum(axis=1), 5.0, rtol=1e-12)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("cls,kwargs,name", [
    (fw.DeltaNet, {"lr": 0.0}, "lr"), (fw.DeltaNet, {"lr": 2.5}, "lr"),
    (fw.GatedDeltaNet, {"decay": 1.0}, "decay"), (fw.GatedDeltaNet, {"decay": -0.1}, "decay"),
    (fw.LinearAttention, {"feature_map": "relu"}, "feature_map"), (fw.LinearAttention, {"decay": 1.5}, "decay"),
    (fw.DeltaProduct, {"householder": 0}, "householder"), (fw.Titans, {"depth": 0}, "depth"),
    (fw.Titans, {"momentum": 1.0}, "momentum"), (fw.Titans, {"lr": float("nan")}, "lr"),
    (fw.Moneta, {"p": 0.5}, "p"), (fw.Moneta, {"q": 1.0}, "q"), (fw.Yaad, {"huber": 0.0}, "huber"),
    (fw.Memora, {"scale": -1.0}, "scale"), (fw.SoftmaxAttention, {"beta": 0.0}, "beta"),
    (fw.Titans, {"hidden": 0}, "hidden"), (fw.DeltaNet, {"normalize": 1}, "normalize"),
])
def test_bad_parameters_are_refused_by_name(cls, kwargs, name):
    with pytest.raises((ValueError, TypeError), match=name):
        cls(N, N_OUT, **kwargs)


@pytest.mark.parametrize("cls", list(fw.CLASSES.values()))
def test_bad_keys_and_values_are_refused_and_nothing_is_stored(cls):
    mem = cls(N, N_OUT, seed=0)
    keys, values = _pairs(3)
    mem.store(keys, values)
    before = mem.state_dict()
    bad_key = keys.copy()
    bad_key[1, 2] = np.inf
    bad_val = values.copy()
    bad_val[0, 0] = np.nan
    for args, name in [((bad_key, values), "patterns"), ((keys, bad_val), "values"),
                       ((keys[:, :-1], values), "patterns"), ((keys, values[:, :-1]), "values"),
                       ((keys, values[:2]), "values"), ((keys, None), "values")]:
        with pytest.raises((ValueError, TypeError), match=name):
            mem.store(*args)
        assert len(mem) == 3
    after = mem.state_dict()
    for k, v in before.items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(after[k], v)
    with pytest.raises(ValueError, match="cues"):
        mem.recall(keys[:, :5])


def test_a_diverging_write_is_refused_and_leaves_the_memory_as_it_was():
    keys, values = _pairs(20, seed=17)
    mem = fw.Titans(N, N_OUT, depth=2, hidden=64, lr=1.0, momentum=0.9, seed=0)
    with pytest.raises(ValueError, match="lr"):
        mem.store(keys * 1e3, values * 1e6)
    assert len(mem) == 0
    fresh = fw.Titans(N, N_OUT, depth=2, hidden=64, lr=1.0, momentum=0.9, seed=0)
    for a, b in zip(mem.weights, fresh.weights):
        np.testing.assert_array_equal(a, b)


def test_linear_attention_read_cosine_follows_the_large_n_theory():
    """Auto-association (values = keys, as the measurements store items), cue with 20% of its
    entries redrawn (cue overlap 0.8): the mean cosine of a read with its target against
    :func:`assoc.theory.linear_attention_cosine`, within 4 standard errors (from 600 reads)
    plus 2 / n for the finite-size terms the theory drops. At load 0.2 the crosstalk that
    leans toward the target lifts the cosine from 0.873 (the hetero-association formula)
    to 0.901, more than three times the tolerance."""
    from assoc.registry import get_family
    from assoc.theory import linear_attention_cosine

    fam = get_family("linear_attention")
    n, trials, probes = 1024, 6, 100
    rng = np.random.default_rng(18)
    for load in (0.1, 0.2, 0.4):
        p = int(load * n) + 1
        cos = []
        for _ in range(trials):
            x = rng.standard_normal((p, n))
            mem = fw.LinearAttention(n)
            mem.store(x, x)
            cues = fam.corrupt(x[:probes], "random", 0.2, rng)
            cos.append(fam.score(mem.recall(cues).states, x[:probes]))
        cos = np.concatenate(cos)
        se = cos.std(ddof=1) / np.sqrt(len(cos))
        theory = float(linear_attention_cosine((p - 1) / n, 0.8))
        tol = 4 * se + 2.0 / n
        assert abs(cos.mean() - theory) < tol, (load, cos.mean(), theory, tol)
        if load >= 0.2:  # where the test resolves the auto-association terms
            hetero = float(linear_attention_cosine((p - 1) / n, 0.8, auto=False))
            assert abs(hetero - theory) > 3 * tol


# --------------------------------------------------------------------------- per-call paths


def _normalize_rows_reference(x):
    """Unit rows as the ellipsis einsum and one NumPy test of the norms give them."""
    norm = np.sqrt(np.einsum("...i,...i->...", x, x))[..., None]
    if norm.size and norm.min() > 0:
        return x / norm
    return np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)


@pytest.mark.parametrize("shape", [(1, 16), (3, 24), (64, 7), (65, 7), (300, 40), (2, 5, 9), (16,)])
def test_normalize_rows_equals_the_ellipsis_form_bit_for_bit(shape):
    """The 2-D einsum and the Python test of a few norms give the reference's numbers, zero and
    NaN rows included (a NaN row is not divided through: it comes back as zeros)."""
    rng = np.random.default_rng(30)
    x = rng.standard_normal(shape) * 10.0 ** rng.integers(-150, 150, size=shape[:-1] + (1,))
    cases = [x]
    if x.ndim == 2:
        zero, nan = x.copy(), x.copy()
        zero[-1] = 0.0
        nan[-1, 0] = np.nan  # after finite rows: a smallest norm taken in Python floats would skip it
        cases += [zero, nan, np.zeros((0, shape[1]))]
    for case in cases:
        got, want = fw.normalize_rows(case), _normalize_rows_reference(case)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_all_finite_decides_overflowing_sums_entry_by_entry():
    a = np.full((4, 3), 1e308)  # finite entries whose sum overflows
    with np.errstate(over="ignore", invalid="ignore"):
        assert fw._all_finite(a)
        for bad in (np.inf, -np.inf, np.nan):
            b = a.copy()
            b[2, 1] = bad
            assert not fw._all_finite(b)
            c = np.zeros((2, 2))
            c[1, 1] = bad
            assert not fw._all_finite(c)
        assert fw._all_finite(np.zeros((0, 3)))


def _fastweight_memories(backend):
    return [cls(N, N_OUT, backend=backend, seed=4) for cls in fw.CLASSES.values()]


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_checked_entries_equal_the_public_calls(backend):
    """``_store_checked`` / ``_recall_checked`` (the entries EpisodicMemory uses for rows it has
    checked) leave the same state and return the same recall as ``store`` / ``recall``."""
    from assoc.memory import check_real

    if backend == "numba":
        pytest.importorskip("numba")
    keys, values = _pairs(9, seed=31)
    for public, checked in zip(_fastweight_memories(backend), _fastweight_memories(backend)):
        for lo, hi in ((0, 5), (5, 6), (6, 9)):
            public.store(keys[lo:hi].tolist(), values[lo:hi])
            checked._store_checked(check_real("patterns", keys[lo:hi], N), check_real("values", values[lo:hi], N_OUT))
        a, b = public.state_dict(), checked.state_dict()
        for k, v in a.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_array_equal(b[k], v)
        r1, r2 = public.recall(keys[:3]), checked._recall_checked(check_real("cues", keys[:3], N))
        for field in ("states", "overlaps", "steps", "converged", "status"):
            x, y = getattr(r1, field), getattr(r2, field)
            assert x.dtype == y.dtype
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_pair_by_pair_writes_equal_one_write_of_the_sequence(backend):
    """Every rule writes token by token: nine single-pair stores leave exactly the state of one
    store of the nine pairs (DeltaNet's chunk is longer than the write)."""
    if backend == "numba":
        pytest.importorskip("numba")
    keys, values = _pairs(9, seed=32)
    for cls in fw.CLASSES.values():
        if cls is fw.LinearAttention and backend == "numpy":
            continue  # the numpy backend writes a sequence in closed form
        whole, single = cls(N, N_OUT, backend=backend, seed=5), cls(N, N_OUT, backend=backend, seed=5)
        whole.store(keys, values)
        for t in range(len(keys)):
            single.store(keys[t:t + 1], values[t:t + 1])
        a, b = whole.state_dict(), single.state_dict()
        for k, v in a.items():
            if isinstance(v, np.ndarray):
                np.testing.assert_array_equal(b[k], v, err_msg=f"{cls.__name__} {k}")


def test_cached_cosine_overlaps_equal_the_metric_bit_for_bit():
    """The one-test division (smallest state norm times smallest target norm positive) against
    :func:`assoc.metrics.cosine_overlaps`: ordinary rows, zero rows, norms whose products
    underflow, NaN, many states and no targets."""
    from assoc.memories.overlaps import TargetNorms, cosine_overlaps_cached
    from assoc.metrics import cosine_overlaps

    rng = np.random.default_rng(33)
    s, t = rng.standard_normal((3, 8)), rng.standard_normal((6, 8))
    tiny = t.copy()
    tiny[2] *= 1e-160  # squared norm ~1e-320: its product with any state norm underflows
    zero_s, zero_t, nan_s = s.copy(), t.copy(), s.copy()
    zero_s[1] = 0.0
    zero_t[4] = 0.0
    nan_s[2, 3] = np.nan
    cases = [(s, t), (s * 1e-160, t), (s, tiny), (zero_s, t), (s, zero_t), (nan_s, t),
             (rng.standard_normal((100, 8)), t), (s, np.zeros((0, 8)))]
    for states, targets in cases:
        with np.errstate(invalid="ignore"):
            want = cosine_overlaps(states, targets)
            norms = TargetNorms()
            for _ in range(2):  # computed, then cached
                got = cosine_overlaps_cached(states, targets, norms)
                assert got.shape == want.shape
                np.testing.assert_array_equal(got, want)
