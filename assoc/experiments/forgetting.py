"""Forgetting curves: patterns stored one after another, recall of each against its age.

The age of a pattern is the number of patterns stored after it. Ages are grouped into
``bins`` logarithmic bins ``[a_k, a_{k+1})``; for each bin the driver returns the mean final
overlap of the recalled patterns (``m_<a_k>``) and their mean memory signal (``sig_<a_k>``):

- Hopfield-type weights W (rules ``palimpsest``, ``hebbian`` with ``decay``, ``storkey``,
  plain ``hebbian``) and cascade synapses: the normalised agreement
  ``<W_ij xi_i xi_j>_{i<j} / sqrt(<W_ij^2>_{i<j})`` (0 +/- 1/sqrt(n (n - 1) / 2) for a pattern
  never stored; Fusi, Drew & Abbott 2005 call it the memory signal);
- Willshaw with random depression: the fraction of the pattern's own off-diagonal synapses
  still set minus the fraction of all off-diagonal synapses set (0 for a pattern never stored);
- the spiking CA3 network: the mean weight of the recurrent synapses joining two cells of the
  pattern minus the mean weight of all recurrent synapses, in units of ``w_max`` (0 for a
  pattern never stored).

Summary metrics: ``retrieved`` (patterns recalled with m > 0.9), ``retrieved_per_n``
(``retrieved / n``: about 0.04-0.05 for learning within bounds at its best bound, Parisi
1986, and for the optimal weight decay, Mezard, Nadal & Toulouse 1986) and ``recent_run``
(the length of the unbroken run of retrieved patterns from the newest back).

Families: ``hopfield`` (assoc.Hopfield), ``cascade`` (assoc.forgetting.CascadeHopfield),
``willshaw`` (assoc.sdr.Willshaw with ``depression`` after each pattern), ``ca3``
(assoc.spiking.CA3Network: sparse assemblies of ``round(ca3_a n)`` cells encoded one after
another; its spike-timing rule with depression ``ca3_eta_minus`` overwrites old assemblies;
recall from a fraction ``ca3_cue_frac`` of each assembly, m the Pearson correlation of the cells
firing in the read window with the pattern, retrieved when above ``ca3_threshold``, as in the
``ca3_*`` drivers; the other families count m > 0.9). Others raise ``ValueError``.
``variant`` names a ready configuration (so one sweep axis can compare them): ``bounded``
(hopfield, rule palimpsest), ``decay`` (hopfield, hebbian with ``decay``), ``storkey``,
``hebbian`` (hopfield, no forgetting: catastrophic overload), ``cascade`` (``states``
levels), ``binary`` (cascade with one level, flip probability ``q``), ``willshaw``,
``ca3``; the empty string uses ``family`` and ``rule`` as given.
"""

from __future__ import annotations

import numpy as np

from ..memory import check_choice, check_float, check_int
from ..patterns import flip, random_pm1, sparse_binary
from . import driver
from .families import check_family

FAMILIES = ("hopfield", "cascade", "willshaw", "ca3")
VARIANTS = {
    "bounded": ("hopfield", "palimpsest"),
    "decay": ("hopfield", "hebbian"),
    "storkey": ("hopfield", "storkey"),
    "hebbian": ("hopfield", "hebbian"),
    "cascade": ("cascade", None),
    "binary": ("cascade", None),
    "willshaw": ("willshaw", None),
    "ca3": ("ca3", None),
}


def age_bins(stored: int, bins: int) -> np.ndarray:
    """Left edges of logarithmic age bins covering ages 0 .. stored - 1 (plus ``stored`` at the end)."""
    edges = np.unique(np.round(np.geomspace(1, stored + 1, bins + 1)).astype(np.int64)) - 1
    edges[-1] = stored
    return edges


def _weight_signal(w: np.ndarray, xi: np.ndarray) -> np.ndarray:
    iu = np.triu_indices(w.shape[0], 1)
    wu = w[iu]
    rms = np.sqrt(np.mean(wu * wu))
    if rms == 0:
        return np.zeros(len(xi))
    x = xi.astype(np.float64)
    return np.array([np.mean(wu * (v[iu[0]] * v[iu[1]])) for v in x]) / rms


@driver(
    "forgetting",
    defaults={
        "variant": "",
        "family": "hopfield",
        "n": 500,
        "stored": 300,
        "rule": "palimpsest",
        "bound": 0.3,
        "decay": 0.0,
        "states": 8,
        "q": 0.5,
        "k": 10,
        "depression": 0.02,
        "cue_flip": 0.05,
        "max_steps": 30,
        "bins": 16,
        "recall": True,
        "backend": "numba",
        "ca3_p": 0.3,
        "ca3_a": 0.05,
        "ca3_eta_minus": 0.06,
        "ca3_cue_frac": 0.5,
        "ca3_target": "numpy",
        "ca3_threshold": 0.5,
    },
)
def forgetting(params: dict, seed: np.random.SeedSequence) -> dict:
    """Recall quality and memory signal against pattern age for a palimpsest memory."""
    params = dict(params)
    variant = check_choice("variant", params["variant"], ("",) + tuple(VARIANTS))
    if variant:
        params["family"], rule = VARIANTS[variant]
        params["rule"] = rule or params["rule"]
        if variant != "decay":
            params["decay"] = 0.0  # only the decay variant uses the weight decay
        if variant == "binary":
            params["states"] = 1
    family = check_family("forgetting", params["family"], FAMILIES)
    if variant == "decay" and params["decay"] == 0:
        raise ValueError("variant='decay' needs decay > 0, got decay=0.0")
    n = check_int("n", params["n"], low=8)
    stored = check_int("stored", params["stored"], low=2)
    bins = check_int("bins", params["bins"], low=2)
    cue_flip = check_float("cue_flip", params["cue_flip"], low=0, high=0.5)
    rng = np.random.default_rng(seed)
    mem_seed = int(rng.integers(2**63))
    if family == "willshaw":
        from ..sdr import Willshaw

        k = check_int("k", params["k"], low=2, high=n)
        depression = check_float("depression", params["depression"], low=0, high=1)
        xi = sparse_binary(stored, n, rng=rng, k=k)
        mem = Willshaw(n, threshold="kwta", winners=k, backend="numpy" if params["backend"] == "cupy" else params["backend"],
                       seed=mem_seed)
        for x in xi:
            mem.depress(depression)
            mem.store(x[None, :])
        w = mem.weights().astype(np.float64)
        np.fill_diagonal(w, 0.0)  # W_ii is set by every pattern containing i: leave it out
        p1 = float(w.sum() / (n * (n - 1)))
        sig = np.array([w[np.ix_(x > 0, x > 0)].sum() / (k * (k - 1)) - p1 for x in xi])
    elif family == "ca3":
        from ..spiking.ca3 import CA3Network

        frac = check_float("ca3_cue_frac", params["ca3_cue_frac"], low=0, high=1, low_open=True)
        mem = CA3Network(n, p=params["ca3_p"], a=params["ca3_a"], eta_minus=params["ca3_eta_minus"],
                         target=params["ca3_target"], seed=int(rng.integers(2**31)))
        xi = sparse_binary(stored, n, rng=rng, k=max(2, int(round(mem.a * n))))
        mem.store(xi)  # one after another, in order: the order defines the ages
        pre, post, w = mem.weights()
        own = [(x[pre] > 0) & (x[post] > 0) for x in xi]
        sig = np.array([(w[o].mean() if o.any() else 0.0) - w.mean() for o in own]) / mem.w_max
    else:
        xi = random_pm1(stored, n, rng)
        if family == "cascade":
            from ..forgetting import CascadeHopfield

            mem = CascadeHopfield(n, params["states"], q=params["q"], max_steps=params["max_steps"],
                                  backend=params["backend"], seed=mem_seed)
            mem.store(xi)
            sig = mem.signal(xi)
        else:
            from ..hopfield import Hopfield

            mem = Hopfield(n, params["rule"], "async", max_steps=params["max_steps"], bound=params["bound"],
                           decay=params["decay"], backend=params["backend"], seed=mem_seed)
            for x in xi:  # one at a time: the order defines the ages
                mem.store(x[None, :])
            sig = _weight_signal(mem.weights(), xi)
    ages = stored - 1 - np.arange(stored)  # age of pattern mu
    m = np.full(stored, np.nan)
    if params["recall"]:
        if family == "ca3":
            cue = np.zeros_like(xi)
            for b, row in enumerate(xi):
                on = np.flatnonzero(row)
                cue[b, rng.choice(on, size=max(1, int(round(frac * len(on)))), replace=False)] = 1
            m = mem.recall(cue).overlaps[np.arange(stored), np.arange(stored)]
        elif family == "willshaw":
            cue = xi.copy()
            out = mem.recall(cue)
            st = np.asarray(out.states).astype(np.float64)
            hits = (st * xi).sum(axis=1)
            m = hits / np.sqrt(np.maximum(st.sum(axis=1), 1) * xi.sum(axis=1))
        else:
            out = mem.recall(flip(xi, cue_flip, rng))
            st = np.asarray(mem.backend.to_numpy(out.states))
            m = (st.astype(np.float64) * xi).sum(axis=1) / n
    edges = age_bins(stored, bins)
    res: dict = {}
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (ages >= lo) & (ages < hi)
        res[f"sig_{lo:06d}"] = float(sig[sel].mean())
        if params["recall"]:
            res[f"m_{lo:06d}"] = float(m[sel].mean())
    if params["recall"]:
        ok = m[np.argsort(ages)] > (params["ca3_threshold"] if family == "ca3" else 0.9)
        res["retrieved"] = int(ok.sum())
        res["retrieved_per_n"] = float(ok.sum() / n)
        res["recent_run"] = int(np.argmin(ok)) if not ok.all() else int(stored)
    return res
