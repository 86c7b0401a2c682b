"""Encoders: seeded maps from continuous observations to a memory family's alphabet.

The sign of a random Gaussian projection for +/-1 memories (random-hyperplane hashing: two
inputs at angle theta disagree on a bit with probability theta / pi; Charikar 2002),
k-winners-take-all of a random projection for {0,1} memories (the fly olfactory hash,
Dasgupta, Stevens & Navlakha 2017, Science 358:793), and the dense {0,1} twin of the sign
code for memories addressed by Hamming distance (Kanerva's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..memory import check_int, check_real, check_seed

# --------------------------------------------------------------------------- encoders

_PLUS, _MINUS = np.int8(1), np.int8(-1)


class Encoder:
    """A seeded map from real ``(B, in_dim)`` inputs to ``(B, out_dim)`` codes in ``alphabet``.

    Subclasses set ``alphabet`` and implement ``_encode``. The random projection is drawn once
    from ``seed`` when the encoder is built, so an encoder is reusable: the same input always
    gives the same code, and ``state_dict`` / ``load_state_dict`` carry it exactly.
    """

    alphabet: str = "pm1"
    _params: tuple[str, ...] = ()

    def __init__(self, in_dim: int, out_dim: int, *, seed: int | None = None):
        self.in_dim = check_int("in_dim", in_dim, low=1)
        self.out_dim = check_int("out_dim", out_dim, low=1)
        self.seed = check_seed("seed", seed)
        rng = np.random.default_rng(self.seed)
        self.weights = rng.standard_normal((self.in_dim, self.out_dim))

    def __repr__(self) -> str:
        extra = "".join(f", {k}={getattr(self, k)!r}" for k in self._params)
        return f"{type(self).__name__}(in_dim={self.in_dim}, out_dim={self.out_dim}{extra}, seed={self.seed!r})"

    def __call__(self, x: Any) -> np.ndarray:
        return self.encode(x)

    def encode(self, x: Any) -> np.ndarray:
        """Codes of a ``(B, in_dim)`` batch of finite real inputs: ``(B, out_dim)`` int8."""
        return self._encode(check_real("x", x, self.in_dim, what="columns (in_dim)", allow_bool=True))

    def _encode(self, x: np.ndarray) -> np.ndarray:
        raise TypeError(f"{type(self).__name__} does not define _encode")

    def state_dict(self) -> dict:
        return {
            "class": type(self).__name__,
            "in_dim": self.in_dim,
            "out_dim": self.out_dim,
            "seed": self.seed,
            "params": {k: getattr(self, k) for k in self._params},
            "weights": self.weights.copy(),
        }

    def load_state_dict(self, state: dict) -> None:
        if not isinstance(state, dict) or state.get("class") != type(self).__name__:
            found = state.get("class") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"state is for encoder {found!r}, not {type(self).__name__!r}")
        if (state["in_dim"], state["out_dim"]) != (self.in_dim, self.out_dim):
            raise ValueError(
                f"state has in_dim={state['in_dim']}, out_dim={state['out_dim']}; this encoder has "
                f"in_dim={self.in_dim}, out_dim={self.out_dim}"
            )
        for k, v in state["params"].items():
            setattr(self, k, v)
        self.seed = state["seed"]
        self.weights = np.array(state["weights"], dtype=np.float64)


class SignProjection(Encoder):
    """``code = sign(x W)`` with W a seeded ``(in_dim, out_dim)`` standard Gaussian matrix.

    Random-hyperplane hashing (Charikar 2002): two inputs at angle theta give codes that
    differ on each bit independently with probability ``theta / pi``, so the Hamming distance
    of codes estimates the angle of inputs. A projection of exactly 0 gives +1.

    Codes are +/-1 (``int8``): the alphabet of the Hopfield and dense memories.
    """

    alphabet = "pm1"

    def _encode(self, x: np.ndarray) -> np.ndarray:
        # int8 choices: the codes come out int8 in one pass (no int64 intermediate to convert)
        return np.where(x @ self.weights >= 0, _PLUS, _MINUS)


class KWTAProjection(Encoder):
    """k-winners-take-all of a seeded random Gaussian projection: ``k`` ones per code.

    The fly olfactory circuit expands its input through random connections and keeps the
    most active few percent of Kenyon cells (Dasgupta, Stevens & Navlakha 2017): similar
    inputs share many winners, so overlap of codes tracks similarity of inputs. Ties are
    broken towards the lower index.

    Parameters
    ----------
    in_dim, out_dim : int
    k : int, optional
        Winners per code, 1 <= k <= out_dim; defaults to ``max(2, round(0.05 out_dim))``.
    seed : int or None

    Codes are {0,1} (``int8``) with exactly ``k`` ones: the alphabet of the SDR memories.
    """

    alphabet = "binary"
    _params = ("k",)

    def __init__(self, in_dim: int, out_dim: int, k: int | None = None, *, seed: int | None = None):
        super().__init__(in_dim, out_dim, seed=seed)
        default = min(self.out_dim, max(2, int(round(0.05 * self.out_dim))))
        self.k = default if k is None else check_int("k", k, low=1, high=self.out_dim)

    def _encode(self, x: np.ndarray) -> np.ndarray:
        h = x @ self.weights
        win = np.argsort(-h, axis=1, kind="stable")[:, : self.k]
        out = np.zeros(h.shape, dtype=np.int8)
        out[np.arange(h.shape[0])[:, None], win] = 1
        return out


class BinarySignProjection(Encoder):
    """``code = (x W >= 0)``: the random-hyperplane code of :class:`SignProjection` as dense {0,1}.

    About half the bits are 1; Hamming distances of codes estimate angles of inputs exactly as
    for :class:`SignProjection`. This suits memories addressed by Hamming distance to random
    dense addresses (Kanerva's sparse distributed memory), where a sparse code would be almost
    equally far from every address.
    """

    alphabet = "binary"

    def _encode(self, x: np.ndarray) -> np.ndarray:
        return (x @ self.weights >= 0).astype(np.int8)


ENCODERS: dict[str, type[Encoder]] = {
    "SignProjection": SignProjection,
    "KWTAProjection": KWTAProjection,
    "BinarySignProjection": BinarySignProjection,
}


def default_encoder(kind: str, in_dim: int, out_dim: int | None = None, *, seed: int | None = None):
    """The encoder ``kind`` that a family declares for ``encoder="auto"``.

    ``"sign"``: :class:`SignProjection` to ``out_dim`` bits (default ``max(64, in_dim)``);
    ``"kwta"``: :class:`KWTAProjection` to ``out_dim`` units (default ``max(256, 4 in_dim)``);
    ``"binary_sign"``: :class:`BinarySignProjection` (default ``max(64, in_dim)`` bits);
    ``None``: no encoder (real keys are used as they are).
    """
    if kind is None:
        return None
    if kind == "sign":
        return SignProjection(in_dim, out_dim if out_dim is not None else max(64, in_dim), seed=seed)
    if kind == "kwta":
        return KWTAProjection(in_dim, out_dim if out_dim is not None else max(256, 4 * in_dim), seed=seed)
    if kind == "binary_sign":
        return BinarySignProjection(in_dim, out_dim if out_dim is not None else max(64, in_dim), seed=seed)
    raise ValueError(f"encoder kind must be one of ('sign', 'kwta', 'binary_sign', None), got {kind!r}")
