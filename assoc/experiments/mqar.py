"""Multi-query associative recall (MQAR): key-value pairs written in sequence, then queried.

Arora, Eyuboglu, Timalsina, Johnson, Poli, Zou, Rudra & Re 2023, "Zoology: measuring and
improving recall in efficient language models" (arXiv 2312.04927) measure how well a
sequence model recalls the value that followed each key in its context. Stripped of the
learned parts, every sequence layer they compare is a *memory rule*: a state written from
``(k_t, v_t)`` pairs and read at a query ``q``. This driver runs those rules and the assoc
families on the same task:

``linear``           linear attention / Hebbian outer product: ``S = sum_t v_t k_t^T``,
                     read ``S q`` (Katharopoulos et al. 2020). Crosstalk grows as P / d, so
                     the capacity is of order the key dimension d.
``delta``            delta rule (DeltaNet; Schlag, Irie & Schmidhuber 2021):
                     ``S <- S + lr (v_t - S k_t) k_t^T``; exact for up to d orthogonal keys,
                     then later writes overwrite earlier ones.
``decay``            decaying outer product (retention / gated linear attention; Sun et al.
                     2023): ``S <- gamma S + v_t k_t^T``; recent pairs win, old ones fade.
``softmax``          softmax attention ``V^T softmax(beta K q / sqrt(d))``, which is one update
                     of the modern Hopfield network with the stored ``[k | v]`` patterns
                     (Ramsauer et al. 2021); the state grows with the context.
``hopfield``         :class:`assoc.Hopfield` (Hebbian, asynchronous) completing ``[k | ?]``
``dense``            :class:`assoc.memories.dense.DenseAssociativeMemory`, cubic energy
``dense_exp``        the same with the exponential energy (Demircigil et al. 2017)
``modern_hopfield``  :class:`assoc.memories.modern.ModernHopfield`, one step from ``[q | 0]``
``willshaw``         :class:`assoc.memories.willshaw.Willshaw` hetero-association of sparse codes
``kanerva``          :class:`assoc.memories.kanerva.KanervaSDM` with dense binary addresses

The assoc families are driven through :class:`assoc.agents.EpisodicMemory`, the library
face an agent would use.

Codes. Keys are random +/-1 vectors of ``key_dim`` entries (scaled to unit norm for the
real-valued rules); the sparse families get random {0,1} keys with ``round(log2 key_dim)``
ones (Willshaw's optimal sparsity) and Kanerva dense random {0,1} keys. Values are tokens
drawn from a vocabulary of ``vocab`` random codewords of ``value_dim`` entries, in each
family's alphabet (+/-1; sparse {0,1} with ``round(log2 value_dim)`` ones; dense {0,1}). A
read is decoded to the codeword of largest overlap, and a query is right when that is the
token written with its key. Every rule sees the same keys and tokens for a given seed.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from ..params import Param
from ..registry import _BACKEND
from . import driver

LINEAR = ("linear", "delta", "decay", "softmax")
FAMILIES = ("hopfield", "dense", "dense_exp", "modern_hopfield", "willshaw", "kanerva")
METHODS = LINEAR + FAMILIES


def _sparse(rows: int, n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``rows`` random {0,1} vectors with exactly ``k`` ones."""
    idx = np.argsort(rng.random((rows, n)), axis=1)[:, :k]
    out = np.zeros((rows, n), dtype=np.int8)
    np.put_along_axis(out, idx, 1, axis=1)
    return out


def _pm1(rows: int, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.where(rng.random((rows, n)) < 0.5, -1, 1).astype(np.int8)


def _decode(readout: np.ndarray, codebook: np.ndarray) -> np.ndarray:
    """Token of largest overlap per read, ties to the lowest token: (B,) ints."""
    return np.argmax(readout.astype(np.float64) @ codebook.T.astype(np.float64), axis=1)


def linear_attention(keys: np.ndarray, values: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """``S q`` with ``S = sum_t v_t k_t^T``: (B, dv)."""
    return queries @ (keys.T @ values)


def delta_rule(keys: np.ndarray, values: np.ndarray, queries: np.ndarray, lr: float = 1.0) -> np.ndarray:
    """Read of the delta-rule state ``S <- S + lr (v - S k) k^T`` after every pair: (B, dv)."""
    s = np.zeros((values.shape[1], keys.shape[1]))
    for k, v in zip(keys, values):
        s += lr * np.outer(v - s @ k, k)
    return queries @ s.T


def decaying_outer_product(keys: np.ndarray, values: np.ndarray, queries: np.ndarray, gamma: float) -> np.ndarray:
    """Read of ``S <- gamma S + v k^T`` after every pair: (B, dv)."""
    p = len(keys)
    w = gamma ** np.arange(p - 1, -1, -1, dtype=np.float64)  # weight of pair t at the end
    return queries @ ((keys * w[:, None]).T @ values)


def softmax_attention(keys: np.ndarray, values: np.ndarray, queries: np.ndarray, beta: float) -> np.ndarray:
    """``V^T softmax(beta K q)`` per query: (B, dv). One modern-Hopfield update."""
    z = beta * (queries @ keys.T)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return (e / e.sum(axis=1, keepdims=True)) @ values


@driver(
    "mqar",
    params=(
        Param("method", "choice", "linear", "memory rule or assoc family", choices=METHODS),
        Param("n_pairs", "int", 64, "key-value pairs written in the sequence", low=1),
        Param("key_dim", "int", 64, "key dimension d", low=2),
        Param("value_dim", "int", 64, "entries of a value codeword", low=2),
        Param("vocab", "int", 256, "tokens the values are drawn from", low=2),
        Param("queries", "int", 64, "pairs queried (at most n_pairs)", low=1),
        Param("beta", "float", 2.0, "softmax / modern Hopfield inverse temperature (on q.k / sqrt(d))", low=0,
              low_open=True),
        Param("decay", "float", 0.99, "decaying outer product: gamma", low=0, high=1, low_open=True),
        Param("lr", "float", 1.0, "delta rule step", low=0, low_open=True),
        Param("locations", "int", 2000, "Kanerva hard locations", low=1),
        Param("activation", "float", 0.02, "Kanerva access probability", low=0, high=1, low_open=True),
        replace(_BACKEND, default="numba"),
    ),
    columns=("accuracy", "bit_error", "alpha", "state_size", "score_mean"),
)
def mqar(params: dict, seed) -> dict:
    """Recall accuracy of one memory rule on one MQAR sequence.

    Returns ``accuracy`` (fraction of queries whose read decodes to the right token),
    ``bit_error`` (fraction of value entries whose sign / bit differs from the right
    codeword), ``alpha`` (the load n_pairs / key_dim), ``state_size`` (numbers held by the
    memory state: d dv for the outer-product rules, P (d + dv) for softmax attention, the
    family's synapses or stored patterns otherwise) and ``score_mean`` (mean read score of the
    assoc families, NaN for the others).
    """
    method, p, d, dv, vocab = (params[k] for k in ("method", "n_pairs", "key_dim", "value_dim", "vocab"))
    nq = min(p, params["queries"])
    beta, gamma, lr = params["beta"], params["decay"], params["lr"]
    rng = np.random.default_rng(seed)

    tokens = rng.integers(vocab, size=p)
    which = np.sort(rng.choice(p, size=nq, replace=False))
    code_rng = np.random.default_rng(rng.integers(2**63))
    fam_seed = int(rng.integers(2**31))
    kv = max(1, int(round(math.log2(dv))))
    score = float("nan")

    if method in LINEAR + ("hopfield", "dense", "dense_exp", "modern_hopfield"):
        keys = _pm1(p, d, code_rng)
        book = _pm1(vocab, dv, code_rng)
        vals = book[tokens]
        if method in LINEAR:
            k = keys / np.sqrt(d)
            v = vals.astype(np.float64)
            q = k[which]
            if method == "linear":
                read = linear_attention(k, v, q)
            elif method == "delta":
                read = delta_rule(k, v, q, lr)
            elif method == "decay":
                read = decaying_outer_product(k, v, q, gamma)
            else:
                read = softmax_attention(k * np.sqrt(d), v, q * np.sqrt(d), beta / np.sqrt(d))
            state = p * (d + dv) if method == "softmax" else d * dv
        else:
            from ..agents import EpisodicMemory

            kwargs = {
                "hopfield": {},
                "dense": {"energy": "polynomial", "degree": 3},
                "dense_exp": {"energy": "exponential"},
                "modern_hopfield": {"beta": beta / np.sqrt(d)},
            }[method]
            family = "dense" if method.startswith("dense") else method
            be = "numpy" if method == "modern_hopfield" else params["backend"]
            mem = EpisodicMemory(family, d, dv, backend=be, seed=fam_seed, **kwargs)
            mem.write(keys, vals)
            read, sc = mem.read(keys[which])
            read = np.asarray(read, dtype=np.float64)
            score = float(np.mean(sc))
            n = d + dv
            state = n * n if method == "hopfield" else p * n
        signs = np.where(read >= 0, 1, -1)
        bit_error = float((signs != vals[which]).mean())
    else:
        from ..agents import EpisodicMemory

        if method == "willshaw":
            keys = _sparse(p, d, max(1, int(round(math.log2(d)))), code_rng)
            book = _sparse(vocab, dv, kv, code_rng)
            kwargs = {"threshold": "kwta", "winners": kv}
            state = d * dv
        else:
            keys = (code_rng.random((p, d)) < 0.5).astype(np.int8)
            book = (code_rng.random((vocab, dv)) < 0.5).astype(np.int8)
            kwargs = {"locations": params["locations"], "activation": params["activation"]}
            state = kwargs["locations"] * (d + dv)
        vals = book[tokens]
        mem = EpisodicMemory(method, d, dv, backend=params["backend"], seed=fam_seed, **kwargs)
        mem.write(keys, vals)
        read, sc = mem.read(keys[which])
        read = np.asarray(read)
        score = float(np.mean(sc))
        bit_error = float((read != vals[which]).mean())
        if method == "kanerva":  # dense codes: compare as +/-1 (Hamming distance)
            read = 2.0 * read - 1.0
            book = 2 * book - 1
    pred = _decode(read, book)
    return {
        "accuracy": float(np.mean(pred == tokens[which])),
        "bit_error": bit_error,
        "alpha": p / d,
        "state_size": float(state),
        "score_mean": score,
    }
