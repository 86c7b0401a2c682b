"""Multi-query associative recall (MQAR): key-value pairs written in sequence, then queried.

Arora, Eyuboglu, Timalsina, Johnson, Poli, Zou, Rudra & Re 2023, "Zoology: measuring and
improving recall in efficient language models" (arXiv 2312.04927) measure how well a
sequence model recalls the value that followed each key in its context. Stripped of the
learned parts, every sequence layer they compare is a *memory*: a state written from
``(k_t, v_t)`` pairs and read at a query. This driver runs any family that
:class:`assoc.agents.EpisodicMemory` takes on that task: the fast-weight memories of
sequence models (:mod:`assoc.memories.fastweight`: linear attention, DeltaNet, Gated
DeltaNet, DeltaProduct, Titans, Moneta, Yaad, Memora, softmax attention) beside the
classical ones (Hopfield, dense, modern Hopfield, Willshaw, Kanerva, Sparsey, segments), each
at its registered defaults unless the spec gives its parameters.

Two forms of the task (``sequence``):

``"reduced"``
    P pairs are written, then ``queries`` of the keys are read. Keys are random vectors of
    ``key_dim`` entries in the family's alphabet (+/-1 for the +/-1 and real families;
    {0,1} at the family's coding level for the binary ones: log2 d active units for
    Willshaw, half for Kanerva); values are tokens drawn from a vocabulary of ``vocab``
    random codewords of ``value_dim`` entries in the same alphabet.
``"zoology"``
    Zoology's sequences: a vocabulary of ``vocab`` tokens, token 0 the filler, keys drawn
    without repetition from ``[1, vocab / 2)`` and values from ``[vocab / 2, vocab)``;
    the P pairs ``k v k v ...`` open a sequence of ``seq_len`` tokens, and each key appears
    once more (its query) at an even offset ``2 g`` into the rest, g drawn without
    repetition with probability proportional to ``(g + 1)^(power_a - 1)`` (Zoology's power
    law; power_a = 0.01 puts most queries close to the pairs). Every token has a random
    code of ``key_dim`` entries (the filler: the zero vector). The memory writes each
    adjacent pair of tokens ``(x_{t-1}, x_t)`` in order (so ``v_i -> k_{i+1}`` is written
    too) and reads at each query's position; a fast-weight memory sees every token,
    fillers included (they pass its gates), while a family without a notion of time writes
    the pairs of non-filler tokens and then answers every query.

A read is decoded to the value token of largest overlap (ties to the lowest token), and a
query is right when that is the token that followed its key. Every family sees the same
token sequence for a given seed.
"""

from __future__ import annotations

import numpy as np

from ..params import Param
from ..registry import _BACKEND, get_family
from . import driver

SEQUENCES = ("reduced", "zoology")


def _episodic_choices() -> tuple:
    from ..agents import episodic_families

    return tuple(episodic_families())


def _family_args(fam, params: dict) -> dict:
    """The family's parameters as EpisodicMemory builds it: its agent defaults, then the spec's."""
    return {**fam.agent_defaults, **{k: v for k, v in params.items() if k in fam.params and k != "backend"}}


def _codes(fam, args: dict, rows: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``rows`` random codes of ``n`` entries in the family's alphabet (+/-1 for real families)."""
    if fam.alphabet == "binary":
        return fam.patterns(rows, n, fam.coding_level(n, args), rng).astype(np.int8)
    return np.where(rng.random((rows, n)) < 0.5, -1, 1).astype(np.int8)


def _dense(fam, args: dict, n: int) -> bool:
    """Dense {0,1} codes (Kanerva's): compared as +/-1, i.e. by Hamming distance."""
    return fam.alphabet == "binary" and fam.coding_level(n, args) >= 0.25


def _state_size(fam, mem, params: dict, d: int, dv: int, p: int) -> float:
    """Numbers the memory writes: the fast-weight state, or the family's synapses (for a
    hetero family, with n_out = dv output columns)."""
    inner = getattr(mem, "memory", mem)
    if hasattr(inner, "state_size"):
        return float(inner.state_size)
    own = _family_args(fam, params)
    if fam.episodic_mode == "auto":
        return fam.synapse_count(d + dv, own, p)
    return fam.synapse_count(d, own, p) * dv / d


def zoology_sequence(n_pairs: int, vocab: int, seq_len: int, power_a: float, rng: np.random.Generator):
    """One Zoology MQAR sequence: ``(tokens (seq_len,), keys (P,), values (P,), query positions (P,))``.

    Query i (of key ``keys[i]``) sits at ``query_positions[i]``; the token after it is the
    filler and the answer is ``values[i]``.
    """
    half = vocab // 2
    keys = rng.choice(np.arange(1, half), size=n_pairs, replace=False)
    values = rng.choice(np.arange(half, vocab), size=n_pairs, replace=True)
    context = 2 * n_pairs
    space = (seq_len - context) // 2
    weights = power_a * np.arange(1, space + 1) ** (power_a - 1.0)
    gaps = rng.choice(space, size=n_pairs, replace=False, p=weights / weights.sum())
    tokens = np.zeros(seq_len, dtype=np.int64)
    tokens[0:context:2] = keys
    tokens[1:context:2] = values
    where = context + 2 * gaps
    tokens[where] = keys
    return tokens, keys, values, where


def _check(params: dict) -> None:
    fam = get_family(params["family"])
    args = _family_args(fam, params)
    if fam.alphabet == "binary":  # codes at the family's coding level exist at these lengths
        fam.coding_level(params["key_dim"], args)
        fam.coding_level(params["value_dim"], args)
    if params["sequence"] == "zoology":
        half = params["vocab"] // 2
        if half - 1 < params["n_pairs"]:
            raise ValueError(f"vocab={params['vocab']} gives {half - 1} distinct keys, fewer than "
                             f"n_pairs={params['n_pairs']}: give vocab >= {2 * params['n_pairs'] + 2}")
        seq_len = params["seq_len"] or 4 * params["n_pairs"]
        if seq_len < 4 * params["n_pairs"] or seq_len % 2:
            raise ValueError(f"seq_len must be even and >= 4 n_pairs = {4 * params['n_pairs']} (room for the "
                             f"pairs and one query slot per pair), got {seq_len}")
        if fam.alphabet != "real" and params["key_dim"] != params["value_dim"]:
            raise ValueError(f"sequence='zoology' codes keys and values as tokens of one code length: give "
                             f"value_dim = key_dim, got key_dim={params['key_dim']}, value_dim={params['value_dim']}")


@driver(
    "mqar",
    params=(
        Param("family", "choice", "linear_attention", "the memory (a family EpisodicMemory takes)",
              choices=_episodic_choices),
        Param("n_pairs", "int", 64, "key-value pairs written in the sequence (P)", low=1),
        Param("key_dim", "int", 64, "key dimension d (code length of a token for sequence='zoology')", low=2),
        Param("value_dim", "int", 64, "entries of a value codeword (reduced form)", low=2),
        Param("vocab", "int", 256, "tokens (reduced: value codewords; zoology: keys in the lower half, values "
              "in the upper)", low=4),
        Param("queries", "int", 64, "pairs queried (at most n_pairs; zoology queries every pair)", low=1),
        Param("sequence", "choice", "reduced", "task form: pairs then queries, or Zoology's token sequences",
              choices=SEQUENCES),
        Param("seq_len", "int", None, "zoology: sequence length (none: 4 n_pairs)", low=4, none=True),
        Param("power_a", "float", 0.01, "zoology: exponent of the query-gap power law", low=0, low_open=True),
        _BACKEND,
    ),
    family_params=True,
    check=_check,
    columns=("accuracy", "bit_error", "alpha", "state_size", "score_mean"),
)
def mqar(params: dict, seed) -> dict:
    """Recall accuracy of one memory on one MQAR sequence.

    Returns ``accuracy`` (fraction of queries whose read decodes to the right token),
    ``bit_error`` (fraction of value entries whose sign or bit differs from the right
    codeword), ``alpha`` (pairs per key entry, n_pairs / key_dim), ``state_size`` (numbers
    the memory writes: the fast-weight state, d n_out for a matrix; the stored pairs for
    softmax attention and the modern Hopfield network; the family's synapses otherwise) and
    ``score_mean`` (mean read score, :meth:`assoc.agents.EpisodicMemory.read`).
    """
    from ..agents import EpisodicMemory

    fam = get_family(params["family"])
    rng = np.random.default_rng(seed)
    code_rng = np.random.default_rng(rng.integers(2**63))
    fam_seed = int(rng.integers(2**31))
    kwargs = {k: v for k, v in params.items() if k in fam.params and k != "backend"}
    args = _family_args(fam, params)
    p, d = params["n_pairs"], params["key_dim"]
    if params["sequence"] == "reduced":
        dv = params["value_dim"]
        nq = min(p, params["queries"])
        tokens = rng.integers(params["vocab"], size=p)
        which = np.sort(rng.choice(p, size=nq, replace=False))
        keys = _codes(fam, args, p, d, code_rng)
        book = _codes(fam, args, params["vocab"], dv, code_rng)
        mem = EpisodicMemory(fam.name, d, dv, backend=params["backend"], seed=fam_seed, **kwargs)
        mem.write(keys, book[tokens])
        read, score = mem.read(keys[which])
        answers, written = tokens[which], p
        candidates = np.arange(params["vocab"])
    else:
        dv = d
        seq_len = params["seq_len"] or 4 * p
        seq, qkeys, answers, where = zoology_sequence(p, params["vocab"], seq_len, params["power_a"], rng)
        book = _codes(fam, args, params["vocab"], d, code_rng)
        if fam.alphabet == "real":
            book = book.astype(np.float64)
            book[0] = 0.0  # the filler
        mem = EpisodicMemory(fam.name, d, dv, backend=params["backend"], seed=fam_seed, **kwargs)
        prev, cur = seq[:-1], seq[1:]
        if fam.alphabet == "real":  # every token, in order, reading at each query
            order = np.argsort(where)
            read = np.zeros((p, dv))
            score = np.zeros(p)
            done = 0
            for i in order:
                upto = where[i]  # the pairs up to (x_{t-1}, x_t) at the query position t
                if upto > done:
                    mem.write(book[prev[done:upto]], book[cur[done:upto]])
                    done = upto
                r, s = mem.read(book[qkeys[i]][None, :])
                read[i], score[i] = np.asarray(r)[0], np.asarray(s)[0]
            written = len(mem)
        else:  # no time: the pairs of non-filler tokens, then every query
            real = (prev > 0) & (cur > 0)
            mem.write(book[prev[real]], book[cur[real]])
            read, score = mem.read(book[qkeys])
            written = int(real.sum())
        candidates = np.arange(params["vocab"] // 2, params["vocab"])
    read = np.asarray(read, dtype=np.float64)
    target = book[answers].astype(np.float64)
    if fam.alphabet == "binary":
        bit_error = float((read != target).mean())
    else:
        bit_error = float((np.where(read >= 0, 1, -1) != target).mean())
    cand = book[candidates].astype(np.float64)
    if _dense(fam, args, dv):
        read, cand = 2.0 * read - 1.0, 2.0 * cand - 1.0
    pred = candidates[np.argmax(read @ cand.T, axis=1)]
    return {
        "accuracy": float(np.mean(pred == answers)),
        "bit_error": bit_error,
        "alpha": p / d,
        "state_size": _state_size(fam, mem, params, d, dv, written),
        "score_mean": float(np.mean(score)),
    }
