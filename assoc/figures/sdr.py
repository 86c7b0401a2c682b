"""Sparse distributed memories: Willshaw capacity and shared-bit interference, Kanerva SDM,
dendritic-segment false matches and Sparsey."""

from __future__ import annotations

from typing import Sequence

import matplotlib
import numpy as np

from .. import theory
from ._common import _first, _palette, _series, plt
from ._registry import figure_kind


@figure_kind("willshaw_capacity", columns=("k", "n", "patterns", "error", "p1", "bits", "cue_fraction"))
def willshaw_capacity(
    table: Sequence[dict],
    *,
    by: str = "k",
    title: str = "Willshaw memory: retrieval errors and information vs stored pairs",
) -> plt.Figure:
    """Output errors per retrieval, set-synapse fraction p1 and bits per synapse against the
    number of stored pairs M (``patterns``), one colour per ``by`` (k by default).

    Left: (false positives + misses) / l, trial means with standard errors; lines: the
    independence approximation (n - l) p1^c / l (dashed) and the exact row-load mixture
    (solid); dotted verticals: the optimal load M_opt (p1 = 1/2). Middle: p1 against
    1 - (1 - k l / (m n))^M. Right: bits per synapse from the measured error rates, with the
    theory and the large-n limit for faithful retrieval, ln 2 (hetero) or ln 2 / 2 (auto;
    Palm 1980). At finite n the transinformation of an error-tolerant retrieval can exceed
    the auto-associative limit.
    """
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3), constrained_layout=True)
    groups = sorted({row[by] for row in table})
    colors = _palette(len(groups))
    auto = _first(table, "mode", "hetero") == "auto"
    for c, g in zip(colors, groups):
        rows = [r for r in table if r[by] == g]
        n = int(rows[0]["n"])
        n_out = int(rows[0].get("n_out") or n)
        k = int(rows[0]["k"])
        l = k if auto else int(rows[0].get("l") or k)
        cue = max(1, int(round(round(1.0 - float(rows[0].get("cue_fraction", 0.0)), 12) * k)))  # kept bits
        dil = float(rows[0].get("dilution", 0.0))
        err = _series(rows, "patterns", "error", None)[None]
        p1 = _series(rows, "patterns", "p1", None)[None]
        bits = _series(rows, "patterns", "bits", None)[None]
        axes[0].errorbar(err[0], np.maximum(err[1], 1e-7), yerr=err[2], fmt="o", ms=4, color=c, label=f"{by} = {g}")
        ms = np.geomspace(max(1, err[0].min() * 0.8), err[0].max() * 1.2, 60)
        indep = (n_out - l) * theory.willshaw_false_positive(ms, k, l, n, n_out, cue, dilution=dil, auto=auto) / l
        indep = indep + theory.willshaw_miss(cue, dil)
        axes[0].plot(ms, indep, "--", color=c, lw=1)
        if dil == 0:
            exact = [(n_out - l) * theory.willshaw_false_positive_exact(int(m), k, l, n, n_out, cue, auto=auto) / l
                     for m in ms]
            axes[0].plot(ms, exact, "-", color=c, lw=1.3)
        m_opt = float(theory.willshaw_optimal_load(k, l, n, n_out, auto=auto))
        for ax in axes:
            ax.axvline(m_opt, color=c, ls=":", lw=1)
        axes[1].errorbar(p1[0], p1[1], yerr=p1[2], fmt="o", ms=4, color=c)
        axes[1].plot(ms, theory.willshaw_p1(ms, k, l, n, n_out, auto=auto), "-", color=c, lw=1)
        axes[2].errorbar(bits[0], bits[1], yerr=bits[2], fmt="o", ms=4, color=c)
        axes[2].plot(ms, theory.willshaw_bits_per_synapse(ms, k, l, n, n_out, cue, auto=auto), "-", color=c, lw=1)
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_ylim(1e-5, None)
    axes[0].set_xlabel("stored pairs M")
    axes[0].set_ylabel("output errors per retrieval / l")
    axes[0].plot([], [], "k--", lw=1, label="independence: $p_1^c$")
    axes[0].plot([], [], "k-", lw=1.3, label="exact row-load mixture")
    axes[0].plot([], [], "k:", lw=1, label="$M_{opt}$ ($p_1$ = 1/2)")
    axes[0].legend(fontsize=8, loc="upper left")
    axes[1].set_xscale("log")
    axes[1].axhline(0.5, color="gray", lw=0.5)
    axes[1].set_xlabel("stored pairs M")
    axes[1].set_ylabel("fraction of set synapses $p_1$")
    limit = theory.willshaw_capacity_limit(auto=auto)
    axes[2].set_ylim(0, max(limit, axes[2].get_ylim()[1]) * 1.12)
    axes[2].axhline(limit, color="gray", ls="--", lw=1)
    axes[2].text(0.02, limit, f"large-n limit, faithful retrieval: {limit:.3f}", va="bottom", fontsize=8,
                 color="gray", transform=axes[2].get_yaxis_transform())
    axes[2].set_xscale("log")
    axes[2].set_xlabel("stored pairs M")
    axes[2].set_ylabel("bits per synapse")
    for ax in axes:
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    n0 = _first(table, "n")
    fig.suptitle(f"{title} (n = {n0}, {'auto' if auto else 'hetero'}-association)", fontsize=11)
    return fig


@figure_kind("willshaw_shared_interference", columns=("shared", "pairs", "k", "l", "m", "n", "probes", "trial",
                                                      "fp_rate", "perfect"))
def willshaw_shared_interference(
    table: Sequence[dict],
    *,
    x: str = "shared",
    by: str = "pairs",
    title: str = "Willshaw memory: interference of keys that share active bits",
) -> plt.Figure:
    """False positives and perfect retrievals against the number of active bits all keys share.

    Left: the fraction of silent output units that fire (log axis; points with no false
    positive in the sample are drawn at the resolution limit as open triangles), one colour per
    number of stored pairs, with the exact theory (solid), its independence estimate (dotted)
    and the rate of the same memory with independent keys (dashed;
    :func:`assoc.theory.willshaw_shared_false_positive`). Right: the fraction of cues retrieved
    without any error, with the theory ``(1 - p_fp)**(n - l)``.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5), constrained_layout=True)
    groups = sorted({r[by] for r in table})
    colors = plt.cm.plasma(np.linspace(0.05, 0.8, max(1, len(groups))))
    r0 = table[0]
    k, l, m, n = (int(r0[key]) for key in ("k", "l", "m", "n"))
    probes = int(r0["probes"])
    trials = len({r["trial"] for r in table})
    floor = 1.0 / (probes * trials * (n - l))
    for c, g in zip(colors, groups):
        rows = [r for r in table if r[by] == g]
        xs, ms, es = _series(rows, x, "fp_rate", None)[None]
        pos = ms > 0
        ax1.errorbar(xs[pos], ms[pos], yerr=es[pos], fmt="o", ms=5, color=c, label=f"{by} = {g} (simulation)")
        ax1.plot(xs[~pos], np.full((~pos).sum(), floor), "v", mfc="none", color=c, ms=6)
        ss = np.arange(0, k)
        ex = np.array([theory.willshaw_shared_false_positive(int(g), k, l, m, n, s) for s in ss])
        ind = np.array([theory.willshaw_shared_false_positive(int(g), k, l, m, n, s, exact=False) for s in ss])
        ax1.plot(ss, ex, "-", color=c, lw=1.3)
        ax1.plot(ss, ind, ":", color=c, lw=1.3)
        ax1.axhline(theory.willshaw_false_positive_exact(int(g), k, l, m, n), color=c, ls="--", lw=0.9)
        xs2, ps, pe = _series(rows, x, "perfect", None)[None]
        ax2.errorbar(xs2, ps, yerr=pe, fmt="o", ms=5, color=c, label=f"{by} = {g} (simulation)")
        ax2.plot(ss, (1.0 - ex) ** (n - l), "-", color=c, lw=1.3)
    ax1.plot([], [], "k-", label="theory: exact coverage")
    ax1.plot([], [], "k:", label="theory: independence estimate")
    ax1.plot([], [], "k--", label="independent keys (no shared bits)")
    ax1.plot([], [], "kv", mfc="none", label="no false positive in the sample")
    ax1.set_yscale("log")
    ax1.set_xlabel(f"active bits shared by every pair of keys (of k = {k})")
    ax1.set_ylabel("false-positive rate per silent output unit")
    ax1.legend(fontsize=7.5, loc="upper left")
    ax1.set_title("retrieval errors (classic threshold, full cues)", fontsize=10)
    ax2.plot([], [], "k-", label=r"theory $(1-p_{fp})^{n-l}$")
    ax2.set_ylim(-0.03, 1.03)
    ax2.set_xlabel(f"active bits shared by every pair of keys (of k = {k})")
    ax2.set_ylabel("fraction of cues retrieved without error")
    ax2.legend(fontsize=8, loc="lower left")
    ax2.set_title("perfect retrievals", fontsize=10)
    fig.suptitle(f"{title} (m = {m} key units, n = {n} value units, k = {k}, l = {l} active)", fontsize=11)
    return fig


@figure_kind("sdm_recall", columns=("items", "radius", "bit_error", "n", "locations", "cue_fraction"))
def sdm_recall(
    table: Sequence[dict],
    *,
    x: str = "items",
    by: str = "radius",
    title: str = "Kanerva sparse distributed memory: read errors vs stored items",
) -> plt.Figure:
    """Bit-error rate of reads against the number of stored items, one colour per ``by``,
    with :func:`assoc.theory.sdm_bit_error` (lines)."""
    fig, ax = plt.subplots(figsize=(6.5, 4.3), constrained_layout=True)
    series = _series(table, x, "bit_error", by)
    colors = _palette(len(series))
    for c, (g, (xs, ms, es)) in zip(colors, series.items()):
        rows = [r for r in table if r[by] == g]
        n, N = int(rows[0]["n"]), int(rows[0]["locations"])
        d = int(round(float(rows[0].get("cue_fraction", 0.0)) * n))  # cue bits flipped
        r = int(rows[0]["radius"]) if by != "radius" else int(g)
        label = f"{by} = {g}"
        if by == "radius":
            label += f" (p = {theory.sdm_access_probability(n, r):.3g})"
        ax.errorbar(xs, ms, yerr=es, fmt="o", ms=4, color=c, label=label)
        grid = np.geomspace(xs.min(), xs.max(), 50)
        if by == "cue_fraction":
            d = int(round(float(g) * n))
        ax.plot(grid, theory.sdm_bit_error(n, N, r, np.rint(grid), d), "-", color=c, lw=1.2)
    ax.plot([], [], "k-", label="theory (normal approximation)")
    ax.set_xscale("log")
    ax.set_xlabel("stored items T")
    ax.set_ylabel("bit-error rate of a read")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig


@figure_kind("segment_false_match", columns=("n", "k", "synapses", "theta", "union", "fm_count", "trials_fm"))
def segment_false_match(
    table: Sequence[dict],
    *,
    x: str = "n",
    by: str = "k",
    title: str = "Dendritic segment: false-match probability",
) -> plt.Figure:
    """False-match probability against ``x`` (n, theta or union), one colour per ``by``.

    Lines: the hypergeometric tail (Ahmad & Hawkins 2016) in log space, evaluated on a dense
    grid of ``x``; points: simulated rates where at least one false match was observed, with
    binomial standard errors; open triangles: upper bounds (3 / trials) where none was seen.
    """
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    groups = sorted({row[by] for row in table})
    colors = _palette(len(groups))
    for c, g in zip(colors, groups):
        rows = [r for r in table if r[by] == g]
        base = {k: rows[0][k] for k in ("n", "k", "synapses", "theta", "union")}
        xs_obs = sorted({r[x] for r in rows})
        lo, hi = min(xs_obs), max(xs_obs)
        if x == "theta":
            grid = np.arange(lo, hi + 1)
        elif x == "n":
            grid = np.unique(np.rint(np.geomspace(lo, hi, 80)).astype(int))
        else:
            grid = np.arange(lo, hi + 1)
        logs = []
        for v in grid:
            p = dict(base, **{x: int(v)})
            size = int(round(theory.segment_union_size(p["n"], p["synapses"], p["union"])))
            logs.append(theory.segment_log_false_match(p["n"], p["k"], size, p["theta"]) / np.log(10))
        ax.plot(grid, logs, "-", color=c, lw=1.3, label=f"{by} = {g}")
        for v in xs_obs:
            sub = [r for r in rows if r[x] == v]
            hits = sum(int(r["fm_count"]) for r in sub)
            trials = sum(int(r.get("trials_fm", 0) or 0) for r in sub)
            if trials == 0:
                continue
            if hits > 0:
                rate = hits / trials
                err = np.sqrt(rate * (1 - rate) / trials)
                lo_e = np.log10(max(rate - err, rate / 10))
                ax.errorbar([v], [np.log10(rate)], yerr=[[np.log10(rate) - lo_e], [np.log10(rate + err) - np.log10(rate)]],
                            fmt="o", ms=4, color=c)
            else:
                ax.plot([v], [np.log10(3.0 / trials)], "v", mfc="none", color=c, ms=5)
    ax.plot([], [], "ko", ms=4, label="simulation")
    ax.plot([], [], "kv", mfc="none", ms=5, label="none seen: 3/trials bound")
    if x == "n":
        ax.set_xscale("log")
    ax.set_xlabel({"n": "population size n", "theta": r"segment threshold $\theta$",
                   "union": "patterns unioned on the segment M"}.get(x, x))
    ax.set_ylabel(r"$\log_{10}$ P(false match)")
    fixed = {k: table[0][k] for k in ("n", "k", "synapses", "theta", "union") if k not in (x, by)}
    ax.set_title(title + "\n" + ", ".join(f"{k} = {v}" for k, v in fixed.items()), fontsize=10)
    ax.legend(fontsize=8)
    return fig


@figure_kind("sparsey_similarity", columns=("input_overlap", "code_overlap", "familiarity", "modules", "cells",
                                            "items"))
def sparsey_similarity(
    table: Sequence[dict],
    *,
    x: str = "input_overlap",
    title: str = "Sparsey code selection: similar inputs get similar codes",
) -> plt.Figure:
    """Code overlap (fraction of modules with the stored winner) against input overlap, with
    the chance level 1/K and the familiarity G of the variants."""
    fig, ax = plt.subplots(figsize=(6.5, 4.3), constrained_layout=True)
    (xs, ms, es), = _series(table, x, "code_overlap", None).values()
    ax.errorbar(xs, ms, yerr=es, fmt="o-", ms=4, color="C0", label="code overlap")
    (gx, gm, ge), = _series(table, x, "familiarity", None).values()
    ax.errorbar(gx, gm, yerr=ge, fmt="s--", ms=3, color="C1", label="familiarity G of the variant")
    ax.axhline(float(_first(table, "chance", 0.0)), color="gray", ls=":", label="chance 1/K")
    ax.plot([0, 1], [0, 1], color="gray", lw=0.5)
    ax.set_xlabel("input overlap with a stored item")
    ax.set_ylabel("overlap / familiarity")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(f"{title}\nQ = {_first(table, 'modules')}, K = {_first(table, 'cells')}, "
                 f"{_first(table, 'items')} items stored", fontsize=10)
    return fig


@figure_kind("sparsey_capacity", columns=("items", "accuracy", "exact_code", "novel_familiarity", "store_ops",
                                          "retrieve_ops", "cue_fraction", "modules", "cells"))
def sparsey_capacity(
    table: Sequence[dict],
    *,
    x: str = "items",
    title: str = "Sparsey: best match from partial cues vs stored items",
) -> plt.Figure:
    """Left: retrieval accuracy from partial cues and the familiarity of novel inputs against the
    number of stored items. Right: operations per stored and per retrieved item (flat: they
    do not grow with the number of stored items)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    for key, style, label in (("accuracy", "o-", "best-match accuracy"),
                              ("exact_code", "^-", "exact code reinstated"),
                              ("novel_familiarity", "s--", "familiarity G of novel inputs")):
        (xs, ms, es), = _series(table, x, key, None).values()
        ax1.errorbar(xs, ms, yerr=es, fmt=style, ms=4, label=label)
    ax1.set_xscale("log")
    ax1.set_xlabel("stored items")
    ax1.set_ylim(-0.02, 1.05)
    ax1.legend(fontsize=8)
    ax1.set_title(f"cues: {_first(table, 'cue_fraction')} of the active bits erased; "
                  f"Q = {_first(table, 'modules')}, K = {_first(table, 'cells')}", fontsize=10)
    fig.suptitle(title, fontsize=11)
    for key, style, label in (("store_ops", "o-", "store (per item)"), ("retrieve_ops", "s-", "retrieve (per cue)")):
        (xs, ms, _), = _series(table, x, key, None).values()
        ax2.plot(xs, ms, style, ms=4, label=label)
    ax2.set_xscale("log")
    ax2.set_ylim(0, None)
    ax2.set_xlabel("stored items")
    ax2.set_ylabel("operations")
    ax2.legend(fontsize=8)
    ax2.set_title("operation count does not grow with the store", fontsize=10)
    return fig
