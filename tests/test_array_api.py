"""Any array library in, the same out.

Every registered family (the Brian2 ones aside, see :data:`NOT_HERE`) and
:class:`assoc.agents.EpisodicMemory` take arrays of any library of the Python array API
standard and answer a recall in the library, and on the device, of its cues. The strict
reference implementation ``array_api_strict`` (a test dependency) stands for every such
library: it refuses anything the standard does not define, including implicit conversion, so a
path that only works for NumPy fails here. PyTorch and JAX are tested where they are installed.

For each library the results must be exactly those of the same call with NumPy arrays, and a
NumPy call must still answer with the backend's arrays.
"""

from __future__ import annotations

import numpy as np
import pytest

import array_api_strict as xps
from assoc.agents import EpisodicMemory, episodic_families
from assoc.memory import check_real, is_foreign_array, to_caller, to_numpy
from assoc.registry import FAMILIES

#: Families left out of the parametrised test, with the reason.
NOT_HERE = {
    "ca3": "Brian2 spiking network: seconds per recall; tested once, with array_api_strict, below",
    "ca3_cam": "Brian2 spiking network: seconds per recall; tested once, with array_api_strict, below",
}
FAMILY_NAMES = sorted(name for name in FAMILIES if name not in NOT_HERE)
N, N_OUT = 24, 10
STRICT_ARRAY = type(xps.asarray(0))  # the standard names no array class; this is array_api_strict's


# --------------------------------------------------------------------------- libraries


class Strict:
    """array_api_strict on one of its devices."""

    def __init__(self, device_name: str):
        self.device = xps.Device(device_name)
        self.name = f"array_api_strict:{device_name}"

    def asarray(self, x: np.ndarray, *, grad: bool = False):
        return xps.asarray(np.asarray(x), device=self.device)

    def owns(self, x) -> bool:
        return isinstance(x, STRICT_ARRAY) and x.device == self.device

    def numpy(self, x) -> np.ndarray:
        return np.from_dlpack(x)


class Torch:
    """PyTorch on the CPU (skipped where PyTorch is not installed)."""

    name = "torch"

    def __init__(self):
        self.torch = pytest.importorskip("torch", reason="PyTorch is not installed: its round trip is not tested")

    def asarray(self, x: np.ndarray, *, grad: bool = False):
        t = self.torch.as_tensor(np.array(x))
        if grad:  # a tensor in a computation graph is read without its graph
            t = t.double().requires_grad_(True)
        return t

    def owns(self, x) -> bool:
        return isinstance(x, self.torch.Tensor) and x.device.type == "cpu"

    def numpy(self, x) -> np.ndarray:
        return x.detach().numpy()


class Jax:
    """JAX on its default device (skipped where JAX is not installed). Without ``jax_enable_x64``
    JAX holds float64 results as float32: those are compared to float32 precision."""

    name = "jax"

    def __init__(self):
        self.jax = pytest.importorskip("jax", reason="JAX is not installed: its round trip is not tested")
        self.device = self.jax.devices()[0]

    def asarray(self, x: np.ndarray, *, grad: bool = False):
        return self.jax.numpy.asarray(np.asarray(x))

    def owns(self, x) -> bool:
        return isinstance(x, self.jax.Array) and x.devices() == {self.device}

    def numpy(self, x) -> np.ndarray:
        return np.asarray(x)


@pytest.fixture(params=["strict", "strict-device1", "torch", "jax"])
def lib(request):
    if request.param == "torch":
        return Torch()
    if request.param == "jax":
        return Jax()
    return Strict("CPU_DEVICE" if request.param == "strict" else "device1")


def assert_same(got: np.ndarray, want) -> None:
    """Exactly equal, except where the library holds float64 results in float32 (JAX by default)."""
    want = np.asarray(want)
    if got.dtype == np.float32 and want.dtype == np.float64:
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)
    else:
        assert got.dtype == want.dtype, (got.dtype, want.dtype)
        np.testing.assert_array_equal(got, want)


# --------------------------------------------------------------------------- helpers


class _Recorder:
    """Stands in for a memory to see what the registry's ``Family.store`` passes to ``store``."""

    def __init__(self):
        self.calls = []

    def store(self, *args):
        self.calls.append(args)


def _build(fam):
    params = {k: v for k, v in fam.agent_defaults.items() if k in fam.params}
    n_out = N_OUT if fam.mode == "hetero" else None
    return fam.build(N, params, backend="numpy", seed=3, n_out=n_out)


def _store_args(fam, rng) -> tuple:
    """What the family stores for a few random items: the arguments of ``store`` as NumPy."""
    x = fam.patterns(4, N, fam.coding_level(N, dict(fam.agent_defaults)), rng)
    if fam.mode == "hetero":
        return (x, fam.patterns(4, N_OUT, fam.coding_level(N_OUT, dict(fam.agent_defaults)), rng))
    rec = _Recorder()
    fam.store(rec, x)
    return tuple(a for a in rec.calls[0] if a is not None)


def _cues(fam, x, rng):
    kind = "erase" if "erase" in fam.cue_kinds else fam.cue_kinds[0]
    return fam.corrupt(x, kind, 0.1, rng)


# --------------------------------------------------------------------------- every family


@pytest.mark.parametrize("family", FAMILY_NAMES)
def test_every_family_answers_in_the_library_of_its_cues(family, lib):
    fam = FAMILIES[family]
    rng = np.random.default_rng(7)
    args = _store_args(fam, rng)
    cues = _cues(fam, args[0], rng)

    ref = _build(fam)
    ref.store(*args)
    want = ref.recall(cues)
    assert isinstance(want.states, np.ndarray) and isinstance(want.overlaps, np.ndarray)  # NumPy in, NumPy out

    mem = _build(fam)
    mem.store(*(lib.asarray(a) for a in args))
    assert len(mem) == len(ref)
    got = mem.recall(lib.asarray(cues))
    assert lib.owns(got.states) and lib.owns(got.overlaps), (type(got.states), type(got.overlaps))
    assert_same(lib.numpy(got.states), want.states)
    assert_same(lib.numpy(got.overlaps), want.overlaps)
    np.testing.assert_array_equal(got.steps, want.steps)
    np.testing.assert_array_equal(got.converged, want.converged)
    assert isinstance(got.steps, np.ndarray) and isinstance(got.converged, np.ndarray)
    np.testing.assert_array_equal(got.best(), want.best())


def test_a_stored_array_recalls_itself_in_its_own_library(lib):
    import assoc
    from assoc import patterns

    xi = patterns.random_pm1(6, 128, rng=0)
    mem = assoc.Hopfield(n=128, backend="numpy", seed=0)
    mem.store(lib.asarray(xi))
    out = mem.recall(lib.asarray(xi))
    assert lib.owns(out.states) and lib.owns(out.overlaps)
    np.testing.assert_array_equal(lib.numpy(out.states), xi)  # 6 patterns of 128: far below capacity
    np.testing.assert_allclose(np.diag(lib.numpy(out.overlaps)), 1.0)

    real = np.random.default_rng(1).standard_normal((5, 32))
    modern = assoc.ModernHopfield(n=32, beta=8.0, backend="numpy")
    modern.store(lib.asarray(real, grad=True))
    out = modern.recall(lib.asarray(real, grad=True))
    assert lib.owns(out.states)
    np.testing.assert_allclose(lib.numpy(out.states), real, atol=1e-6)


def test_refused_arrays_of_another_library_name_the_parameter_and_store_nothing(lib):
    import assoc

    mem = assoc.Hopfield(n=8, backend="numpy", seed=0)
    mem.store(lib.asarray(np.ones((1, 8), dtype=np.int8)))
    bad = np.ones((2, 8), dtype=np.int8)
    bad[1, 3] = 2
    with pytest.raises(ValueError, match=r"patterns must hold values in .* found \[2\]"):
        mem.store(lib.asarray(bad))
    assert len(mem) == 1
    with pytest.raises(ValueError, match=r"cues must have 8 columns"):
        mem.recall(lib.asarray(np.ones((1, 7), dtype=np.int8)))
    nan = np.ones((1, 8))
    nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="cues contains NaN"):
        mem.recall(lib.asarray(nan))
    with pytest.raises(ValueError, match=r"values contains NaN"):
        check_real("values", lib.asarray(nan), 8)


def test_the_spiking_networks_answer_in_the_library_of_their_cues():
    pytest.importorskip("brian2")  # a core dependency; only a broken install lacks it
    from assoc import patterns as pt
    from assoc.memories.spiking.ca3 import CA3Network
    from assoc.memories.spiking.cam import CA3CAM

    lib = Strict("device1")
    x = pt.sparse_binary(2, 200, k=20, rng=5)
    net = CA3Network(200, p=0.2, a=0.1, seed=3, target="numpy")
    net.store(lib.asarray(x))
    out = net.recall(lib.asarray(x))
    assert lib.owns(out.states) and lib.owns(out.overlaps)
    assert (np.diag(lib.numpy(out.overlaps)) > 0.8).all()

    cam = CA3CAM(5, 10)
    contents = np.zeros((2, 10), dtype=np.int8)
    contents[0, [0, 1, 8]] = contents[1, [4, 5, 6]] = 1
    cam.store(lib.asarray(np.array([0, 3])), lib.asarray(contents))
    out = cam.recall(lib.asarray(np.array([0, 3])))
    assert lib.owns(out.states) and lib.owns(out.overlaps)
    np.testing.assert_array_equal(lib.numpy(out.states), contents)
    frag = cam.recall_by_content(fragments=lib.asarray(np.eye(10, dtype=np.int8)[[5]]))  # by keyword
    assert lib.owns(frag.states)
    np.testing.assert_array_equal(lib.numpy(frag.states), [[0, 0, 0, 1, 0]])


# --------------------------------------------------------------------------- episodic memory


@pytest.mark.parametrize("family", sorted(episodic_families()))
def test_episodic_memory_reads_in_the_library_of_its_keys(family, lib):
    rng = np.random.default_rng(2)
    keys = rng.normal(size=(5, 12))
    alphabet = FAMILIES[family].alphabet
    if alphabet == "pm1":
        values = rng.choice([-1, 1], size=(5, 16)).astype(np.int8)
    elif alphabet == "binary":
        values = (rng.random((5, 16)) < 0.5).astype(np.int8)
        values[:, 0] = 1
    else:
        values = rng.normal(size=(5, 16))
    ref = EpisodicMemory(family, 12, 16, encoder="auto", backend="numpy", seed=1)
    mem = EpisodicMemory(family, 12, 16, encoder="auto", backend="numpy", seed=1)
    ref.write(keys, values)
    mem.write(lib.asarray(keys), lib.asarray(values))
    want_values, want_scores = ref.read(keys)
    got_values, got_scores = mem.read(lib.asarray(keys))
    assert lib.owns(got_values) and lib.owns(got_scores)
    assert_same(lib.numpy(got_values), want_values)
    assert_same(lib.numpy(got_scores), want_scores)

    one_value, one_score = mem.read(lib.asarray(keys[2]))  # a single 1-D key
    want_value, want_score = ref.read(keys[2])
    assert lib.owns(one_value) and lib.owns(one_score)
    assert tuple(one_value.shape) == (16,) and tuple(one_score.shape) == ()
    assert_same(lib.numpy(one_value), want_value)
    assert_same(lib.numpy(one_score), want_score)


# --------------------------------------------------------------------------- the conversions


def test_numpy_lists_and_scalars_pass_through_unchanged():
    a = np.arange(6).reshape(2, 3)
    assert to_numpy(a) is a
    assert to_numpy([[1, 2]]) == [[1, 2]]
    for x in (a, [1, 2], (1,), 3.0, None, "text", np.float64(1.0)):
        assert not is_foreign_array(x)
        assert to_caller(a, x) is a
    assert is_foreign_array(xps.asarray([1, 2]))


def test_results_move_to_the_device_of_the_cues():
    device = xps.Device("device1")
    out = to_caller(np.arange(3, dtype=np.int8), xps.asarray([0.0], device=device))
    assert isinstance(out, STRICT_ARRAY) and out.device == device and out.dtype == xps.int8
    np.testing.assert_array_equal(np.from_dlpack(out), [0, 1, 2])


def test_torch_results_share_memory_with_the_result_on_the_cpu():
    torch = Torch().torch
    result = np.arange(6, dtype=np.int8).reshape(2, 3)
    t = to_caller(result, torch.zeros(1))
    assert isinstance(t, torch.Tensor) and t.dtype == torch.int8
    assert t.data_ptr() == result.ctypes.data  # no copy
    frozen = result.copy()
    frozen.flags.writeable = False  # DLPack cannot export it: handed over as a copy
    assert np.array_equal(to_caller(frozen, torch.zeros(1)).numpy(), frozen)
    view = to_numpy(torch.arange(4, dtype=torch.float32))
    assert isinstance(view, np.ndarray) and view.dtype == np.float32


def test_torch_tensors_numpy_cannot_hold_are_refused_with_the_fix():
    torch = Torch().torch
    import assoc

    mem = assoc.ModernHopfield(n=4, backend="numpy")
    with pytest.raises(TypeError, match=r"bfloat16 has no NumPy equivalent.*tensor\.float\(\)"):
        mem.store(torch.ones((2, 4), dtype=torch.bfloat16))
    assert len(mem) == 0


@pytest.mark.gpu
def test_cuda_tensors_on_the_cupy_backend_come_back_on_their_gpu_without_a_copy():
    torch = Torch().torch
    if not torch.cuda.is_available():
        pytest.skip("this PyTorch build has no CUDA device")
    import cupy

    import assoc
    from assoc import patterns

    xi = patterns.random_pm1(6, 256, rng=0)
    cues = torch.as_tensor(xi, device="cuda")
    mem = assoc.Hopfield(n=256, backend="cupy", seed=0)
    mem.store(cues)
    out = mem.recall(cues)
    assert out.states.device == cues.device and out.overlaps.device == cues.device
    np.testing.assert_array_equal(out.states.cpu().numpy(), xi)
    result = cupy.arange(6, dtype=cupy.int8)
    shared = to_caller(result, cues)
    assert shared.device == cues.device and shared.data_ptr() == result.data.ptr  # no copy


def test_check_real_returns_a_fresh_float64_batch_or_names_what_is_wrong():
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    out = check_real("keys", x, 3)
    assert out.dtype == np.float64 and out.flags.c_contiguous and np.array_equal(out, x)
    floats = np.ones((2, 3))
    assert not np.shares_memory(check_real("keys", floats, 3), floats)  # storing it never aliases the input
    assert np.array_equal(check_real("keys", xps.asarray(floats), 3), floats)
    assert check_real("keys", np.zeros((0, 3)), 3, allow_empty=True).shape == (0, 3)
    assert np.array_equal(check_real("keys", np.eye(2, dtype=bool), allow_bool=True), np.eye(2))
    cases = [
        (np.eye(2, dtype=bool), {}, TypeError, "keys must be a real .* got a boolean array"),
        (np.ones((2, 3), dtype=complex), {}, TypeError, "keys must be a real .* got dtype complex128"),
        ([[1.0], [1.0, 2.0]], {}, TypeError, r"keys must be a real array of shape \(batch, 3\)"),
        (np.ones(3), {}, ValueError, r"keys must have shape \(batch, 3\), got shape \(3,\)"),
        (np.ones((2, 4)), {"what": "columns (key_dim)"}, ValueError, r"keys must have 3 columns \(key_dim\)"),
        (np.ones((0, 3)), {}, ValueError, "keys must hold at least one row"),
        (np.full((1, 3), np.inf), {}, ValueError, "keys contains NaN or infinite values"),
        (np.full((1, 3), 1e200), {}, ValueError, "keys are too large: the squared norm of a row overflows"),
    ]
    for bad, kwargs, error, match in cases:
        with pytest.raises(error, match=match):
            check_real("keys", bad, 3, **kwargs)
