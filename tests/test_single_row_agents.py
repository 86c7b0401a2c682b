"""Single-row fast paths of the episodic layer and of the fast-weight, dense and modern Hopfield
families: each equals the reference computation it replaces (identical outputs, states and draws)."""

from __future__ import annotations

import numpy as np
import pytest

from assoc.agents import EpisodicMemory
from assoc.agents.encoders import BinarySignProjection, SignProjection
from assoc.memories.dense import DenseAssociativeMemory
from assoc.memories.fastweight import DeltaProduct, normalize_rows
from episodic_values import episodic_values


def _reference_normalize(x):
    norm = np.sqrt(np.einsum("...i,...i->...", x, x))[..., None]
    return np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)


@pytest.mark.parametrize("scale", [1e-200, 1e-5, 1.0, 3.7, 1e150])
def test_normalize_rows_single_row_is_the_batch_formula(scale):
    rng = np.random.default_rng(0)
    for n in (1, 3, 16, 33, 100):
        for _ in range(50):
            x = rng.standard_normal((1, n)) * scale
            out = normalize_rows(x)
            assert out.dtype == np.float64 and out.shape == x.shape
            assert out.tobytes() == _reference_normalize(x).tobytes()
            # the same row inside a batch gives the same bits
            batch = np.vstack([x, rng.standard_normal((2, n))])
            assert normalize_rows(batch)[0].tobytes() == out[0].tobytes()
    zero = np.zeros((1, 4))
    assert normalize_rows(zero).tobytes() == zero.tobytes()


def test_delta_product_step_keys_are_the_concatenation():
    rng = np.random.default_rng(1)
    for h in (1, 2, 4):
        m = DeltaProduct(12, 5, householder=h, backend="numpy", seed=3)
        for p in (1, 7):
            k = rng.standard_normal((p, 12))
            ref = np.concatenate([k[:, None, :], np.einsum("jab,pb->pja", m.rotations, k)], axis=1)
            got = m.step_keys(k)
            assert got.shape == ref.shape and got.tobytes() == ref.tobytes()


@pytest.mark.parametrize("cls", [SignProjection, BinarySignProjection])
def test_sign_encoders_give_the_int8_codes_of_the_projection(cls):
    rng = np.random.default_rng(2)
    enc = cls(16, 64, seed=0)
    x = rng.standard_normal((20, 16))
    x[3] = 0.0  # projections of exactly 0
    h = x @ enc.weights
    ref = np.where(h >= 0, 1, -1).astype(np.int8) if cls is SignProjection else (h >= 0).astype(np.int8)
    got = enc.encode(x)
    assert got.dtype == np.int8 and got.flags.c_contiguous and np.array_equal(got, ref)


@pytest.mark.parametrize("dynamics", ["async", "glauber", "sync"])
def test_dense_recall_checked_equals_recall(dynamics):
    rng = np.random.default_rng(4)
    kw = dict(degree=3, dynamics=dynamics, backend="numba", seed=5)
    if dynamics == "glauber":
        kw["temperature"] = 0.5
    a, b = DenseAssociativeMemory(40, **kw), DenseAssociativeMemory(40, **kw)
    xi = rng.choice(np.array([-1, 1], dtype=np.int8), size=(12, 40))
    a.store(xi)
    b.store(xi)
    for rows in (1, 3):
        cue = xi[:rows].copy()
        cue[:, 30:] = 0
        cue[:, :6] *= -1  # errors in the clamped part: clamping them changes the recall
        clamp = None
        if dynamics != "sync":
            clamp = np.zeros(cue.shape, dtype=bool)
            clamp[:, :30] = True
        ra = a.recall(cue, clamp=clamp)
        rb = b._recall_checked(cue.copy(), clamp=None if clamp is None else clamp.copy())
        for field in ("states", "overlaps", "steps", "converged", "status", "energy"):
            assert np.array_equal(getattr(ra, field), getattr(rb, field)), field
        assert a.rng.bit_generator.state == b.rng.bit_generator.state
        if clamp is not None:  # clamped entries hold their cue values (the errors included)
            assert np.array_equal(np.asarray(rb.states)[clamp], cue[clamp])


def _reference_read(mem: EpisodicMemory, keys):
    """A read the way the layer computed it before its fast paths: the cue, mask and keyword
    arguments built afresh and the family's public recall."""
    codes = mem.encode(keys)
    fam, m = mem.family, mem.memory
    if fam.episodic_mode == "auto":
        cue = np.zeros((len(codes), mem.code_dim + mem.value_dim), dtype=codes.dtype)
        cue[:, : mem.code_dim] = codes
        kwargs = dict(fam.recall_kwargs)
        if fam.clamp and getattr(m, "dynamics", None) != "sync":
            mask = np.zeros(cue.shape, dtype=bool)
            mask[:, : mem.code_dim] = True
            kwargs["clamp"] = mask
        out = m.recall(cue, **kwargs)
        states = np.asarray(out.states)[:, mem.code_dim:]
    else:
        out = m.recall(codes, **fam.recall_kwargs)
        states = np.asarray(out.states)
    extra = out.extra or {}
    match = extra["attention"] if "attention" in extra else out.overlaps
    scores = np.asarray(match, dtype=np.float64).max(axis=1)
    return states.astype(np.float64 if fam.alphabet == "real" else np.int8), scores, out


@pytest.mark.parametrize("family,kwargs", [
    ("dense", {}), ("dense", {"dynamics": "glauber", "temperature": 0.3}), ("dense", {"dynamics": "sync"}),
    ("hopfield", {}), ("modern_hopfield", {}), ("delta_product", {}), ("gated_deltanet", {}),
    ("titans", {}), ("moneta", {}), ("willshaw", {}),
])
def test_episodic_reads_and_writes_equal_the_reference(family, kwargs):
    """Reads of 1 and 3 keys, alternating (the cached mask of one batch size, then another), on
    two memories: one read by the layer, one by the reference; the same values, scores, recalls
    and generator states throughout, and writes leave the same family states."""
    rng = np.random.default_rng(6)
    mk = lambda: EpisodicMemory(family, key_dim=8, value_dim=12, encoder="auto", backend="numba", seed=7,
                                **kwargs)
    a, b = mk(), mk()
    keys = rng.standard_normal((30, 8))
    vals = episodic_values(a.alphabet, rng, 30, 12)
    for m in (a, b):
        m.write(keys[:20], vals[:20])
    for i in range(6):
        for m in (a, b):
            m.write(keys[20 + i], vals[20 + i])
        q = keys[i: i + (1 if i % 2 else 3)]
        va, sa, ra = a.read_recall(q)
        vb, sb, rb = _reference_read(b, q)
        assert va.dtype == vb.dtype and va.tobytes() == vb.tobytes()
        assert sa.tobytes() == sb.tobytes()
        for field in ("states", "overlaps", "steps", "converged", "status"):
            assert np.array_equal(np.asarray(getattr(ra, field)), np.asarray(getattr(rb, field))), field
        assert a.memory.rng.bit_generator.state == b.memory.rng.bit_generator.state
    sa, sb = a.memory.state_dict(), b.memory.state_dict()
    for k, v in sa.items():
        if isinstance(v, np.ndarray):
            assert v.tobytes() == sb[k].tobytes(), k


def test_episodic_read_leaves_its_clamp_mask_as_built():
    mem = EpisodicMemory("dense", key_dim=8, value_dim=12, encoder="auto", backend="numba", seed=0)
    rng = np.random.default_rng(0)
    mem.write(rng.standard_normal((5, 8)), episodic_values("pm1", rng, 5, 12))
    for _ in range(3):
        mem.read(rng.standard_normal(8))
    mask = mem._recall_kwargs(1)["clamp"]
    expected = np.zeros((1, mem.code_dim + 12), dtype=bool)
    expected[:, : mem.code_dim] = True
    assert np.array_equal(mask, expected)


def test_custom_encoder_codes_are_still_checked_by_the_family():
    class Bad(SignProjection):
        def encode(self, x):  # codes outside the +/-1 alphabet
            return np.full((np.shape(x)[0], self.out_dim), 3, dtype=np.int8)

    mem = EpisodicMemory("dense", key_dim=4, value_dim=6, encoder=Bad(4, 32, seed=0), backend="numba", seed=0)
    assert not mem._checked_cues
    mem.memory.store(np.ones((1, 38), dtype=np.int8))
    mem._keys = np.ones((1, 32), dtype=np.int8)  # one item held, so the read reaches the family
    mem._values = np.ones((1, 6), dtype=np.int8)
    mem._used = np.zeros(1, dtype=np.int64)
    with pytest.raises(ValueError, match="cues"):
        mem.read(np.zeros(4))


def _reference_modern_one_step(m, x):
    """One update of the modern Hopfield network and its books, by the batch expressions."""
    from assoc.memories.modern import ModernHopfield

    pat = m.patterns

    def terms(s):
        z = m.beta * (s @ pat.T)
        c = z.max(axis=1, keepdims=True)
        e = np.exp(z - c)
        return c, e, e.sum(axis=1, keepdims=True)

    c, e, total = terms(x)
    new = (e / total) @ pat
    moved = np.array(np.abs(new - x).max(axis=1), dtype=np.float64)
    c, e, total = terms(new)
    lse = (c[:, 0] + np.log(total[:, 0])) / m.beta
    big = float((pat**2).sum(axis=1).max())
    energy = -lse + 0.5 * (new * new).sum(axis=1) + np.log(len(pat)) / m.beta + 0.5 * big
    converged = moved <= m.tol
    regime, k = ModernHopfield.classify(e / total)
    return new, e / total, energy, converged, k


@pytest.mark.parametrize("beta", [0.05, 1.0, 8.0])
def test_modern_hopfield_single_row_read_equals_the_batch_expressions(beta):
    from assoc.memories.modern import ModernHopfield
    from assoc.memory import STATUS_FIXED, STATUS_LIMIT

    rng = np.random.default_rng(8)
    m = ModernHopfield(24, beta=beta, backend="numba", tol=1e-3)
    m.store(rng.standard_normal((30, 24)))
    for _ in range(40):
        x = rng.standard_normal((1, 24)) * rng.choice([0.1, 1.0, 10.0])
        new, p, energy, converged, k = _reference_modern_one_step(m, x)
        status = np.where(converged, np.int8(STATUS_FIXED), np.int8(STATUS_LIMIT))
        for out in (m.recall(x, one_step=True), m._recall_checked(np.ascontiguousarray(x), one_step=True)):
            assert np.asarray(out.states).tobytes() == new.tobytes()
            assert np.asarray(out.extra["attention"]).tobytes() == p.tobytes()
            assert out.energy.tobytes() == energy.tobytes()
            assert out.extra["k_eff"].tobytes() == k.tobytes()
            assert np.array_equal(out.converged, converged) and out.status.tobytes() == status.tobytes()
            assert out.steps.tolist() == [1]
    # a fixed point: converged with the fixed status
    m2 = ModernHopfield(8, beta=50.0, backend="numba", tol=1e-6)
    xi = np.eye(8) * 3.0
    m2.store(xi)
    out = m2.recall(xi[:1], one_step=True)
    assert out.converged.tolist() == [True] and out.status.tolist() == [STATUS_FIXED]
    # every entry moves by 5e-4: the largest move is within tol = 1e-3, their sum is not
    m3 = ModernHopfield(8, beta=50.0, backend="numba", tol=1e-3)
    m3.store(xi)
    out = m3._recall_checked(xi[:1] + 5e-4, one_step=True)
    assert out.converged.tolist() == [True] and out.status.tolist() == [STATUS_FIXED]
