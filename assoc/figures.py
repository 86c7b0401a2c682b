"""Figure makers: one function per figure kind, ``kind(table, **options) -> Figure``.

``table`` is a sweep table (list of row dicts, see :func:`assoc.sweep.load_table`). Theory
curves come from :mod:`assoc.theory` and are drawn over the simulations wherever theory
exists. A sweep spec names its figure in ``[figure] kind = "..."``.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import theory  # noqa: E402
from .metrics import aggregate, transition_points  # noqa: E402


def _palette(count: int) -> np.ndarray:
    """``count`` colours spread over viridis (a colour map that prints in grey too)."""
    return plt.cm.viridis(np.linspace(0.1, 0.85, max(1, count)))


def _series(table: Sequence[dict], x: str, y: str, by: str | None):
    """``{group: (xs, means, sems)}`` of trial-averaged ``y`` against ``x``."""
    keys = [by, x] if by else [x]
    agg = aggregate(table, keys, y)
    out: dict = {}
    for key, (mean, sem, _) in agg.items():
        g, xv = (key[0], key[1]) if by else (None, key[0])
        out.setdefault(g, ([], [], []))
        out[g][0].append(xv)
        out[g][1].append(mean)
        out[g][2].append(sem)
    return {g: tuple(np.asarray(v) for v in vals) for g, vals in out.items()}


def capacity_curve(
    table: Sequence[dict],
    *,
    x: str = "alpha",
    y: str = "m_mean",
    by: str = "n",
    success: str = "retrieved_09",
    title: str = "Hopfield network: retrieval vs load",
) -> plt.Figure:
    """Final overlap and retrieval success against the load, one curve per network size.

    Left: mean final overlap m (error bars: standard error over trials) with the
    Amit-Gutfreund-Sompolinsky T = 0 retrieval overlap and alpha_c = 0.138. Right: fraction of
    cues retrieved (``success``), with the load where it crosses 1/2 marked for each size.
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    series = _series(table, x, y, by)
    colors = _palette(len(series))
    for c, (g, (xs, ms, es)) in zip(colors, series.items()):
        ax1.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=c, label=f"{by} = {g}")
    a_c = theory.ags_alpha_c()
    xs_th = np.linspace(1e-3, a_c, 300)
    ax1.plot(np.r_[xs_th, a_c, a_c], np.r_[theory.ags_overlap(xs_th), theory.ags_overlap(a_c - 1e-9), 0],
             "k--", lw=1.5, label="AGS theory (n = inf)")
    ax1.axvline(a_c, color="gray", lw=0.8, ls=":")
    ax1.text(a_c, 0.02, rf" $\alpha_c$ = {a_c:.3f}", color="gray", fontsize=8)
    ax1.set_xlabel(r"load $\alpha = P/n$")
    ax1.set_ylabel("final overlap m")
    ax1.set_ylim(-0.02, 1.05)
    ax1.legend(fontsize=8, loc="lower left")
    ax1.set_title(title, fontsize=10)

    succ = _series(table, x, success, by)
    crossings = transition_points(table, x=x, y=success, by=by, level=0.5)
    for c, (g, (xs, ms, es)) in zip(colors, succ.items()):
        xc = crossings.get(g, np.nan)
        label = f"{by} = {g}" + (f": $\\alpha$ = {xc:.3f}" if np.isfinite(xc) else "")
        ax2.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=c, label=label)
        if np.isfinite(xc):
            ax2.plot([xc], [0.5], "x", color=c, ms=8, mew=2)
    ax2.axvline(a_c, color="gray", lw=0.8, ls=":")
    ax2.axhline(0.5, color="gray", lw=0.5)
    ax2.set_xlabel(r"load $\alpha = P/n$")
    ax2.set_ylabel(f"fraction retrieved ({success})")
    ax2.set_ylim(-0.02, 1.05)
    ax2.legend(fontsize=8, loc="lower left", title="half-retrieval load", title_fontsize=8)
    ax2.set_title("transition: where half the cues are retrieved", fontsize=10)
    return fig


# --- spiking CA3


def ca3_cam_raster(
    table: Sequence[dict] | None = None,
    *,
    experiment: str = "exp1_learn_recall_forget",
    title: str | None = None,
) -> plt.Figure:
    """Raster of a published CA3 CAM experiment as simulated by :mod:`assoc.spiking.cam`.

    One band per population (input, the eight CA3 populations, output), neurons stacked within
    a band; vertical lines mark the start of each operation. ``table`` (a ``cam_experiment``
    sweep table) is not needed: the experiment is deterministic and is re-simulated here.
    """
    from .spiking.cam import experiment_inputs, run_experiment

    tab = run_experiment(experiment)
    C, M = experiment_inputs(experiment)["n_cues"], experiment_inputs(experiment)["n_content"]
    bands = [("IN", ("INcue", "INcont")), ("CueCue", ("CA3cueCueRecall",)), ("ContCue", ("CA3contCueRecall",)),
             ("ContCond", ("CA3contCond",)), ("ContCondInt", ("CA3contCondInt",)),
             ("CueCont", ("CA3cueContRecall",)), ("ContCont", ("CA3contContRecall",)),
             ("MergeCue", ("CA3MergeCue",)), ("MergeCont", ("CA3MergeCont",)), ("OUT", ("OUTcue", "OUTcont"))]
    cue_side = ("INcue", "CA3cueCueRecall", "CA3cueContRecall", "CA3MergeCue", "OUTcue")
    sizes = {c: C if c in cue_side else M for _, cols in bands for c in cols}
    sizes["CA3contCondInt"] = 1
    fig, ax = plt.subplots(figsize=(11, 7), constrained_layout=True)
    colors = plt.cm.tab10(np.linspace(0, 1, len(bands)))
    y0, ticks = 0, []
    starts = sorted(set(tab["INcue"]) | set(tab["INcont"]))
    ops = [t for k, t in enumerate(starts) if k == 0 or starts[k - 1] != t - 1]
    for (label, cols), color in zip(bands, colors):
        top = y0
        for k, c in enumerate(cols):
            ts, idx = tab.raster(c)
            ax.scatter(ts, top + idx, s=22, marker="s" if k == 0 else "D", color=color, edgecolors="none")
            top += sizes[c]
        ticks.append(((y0 + top - 1) / 2, label))
        ax.axhline(top - 0.5, color="0.85", lw=0.6)
        y0 = top
    for t in ops:
        ax.axvline(t - 0.5, color="0.6", lw=0.6, ls=":")
        cue, cont = tab["INcue"].get(t), tab["INcont"].get(t)
        kind = "learn" if (cue and cont) else ("by cue" if cue else "by content")
        ax.text(t, y0 - 0.3, kind, fontsize=7, color="0.3", va="bottom")
    ax.set_yticks([p for p, _ in ticks], [lab for _, lab in ticks])
    ax.set_ylim(-0.5, y0 + 1.5)
    ax.set_xlim(-1, tab.duration)
    ax.set_xlabel("time (ms)")
    ax.set_title(title or f"CA3 content-addressable memory (Casanueva-Morato et al. 2024): {experiment}")
    ax.text(0.995, -0.08, "squares: cue half / diamonds: content half of IN and OUT; dotted: operation starts",
            transform=ax.transAxes, ha="right", va="top", fontsize=8, color="0.3")
    return fig


# --------------------------------------------------------------------------- agents and associative recall

#: Line styles of the MQAR methods: reference sequence-model rules dashed, assoc families solid.
_MQAR_STYLE = {
    "linear": ("linear attention", "#d62728", "--", "v"),
    "delta": ("delta rule", "#ff7f0e", "--", "<"),
    "decay": ("decaying outer product", "#bcbd22", "--", ">"),
    "softmax": ("softmax attention", "#000000", "--", "*"),
    "hopfield": ("Hopfield (Hebbian)", "#1f77b4", "-", "o"),
    "dense": ("dense, cubic", "#17becf", "-", "s"),
    "dense_exp": ("dense, exponential", "#2ca02c", "-", "D"),
    "modern_hopfield": ("modern Hopfield (1 step)", "#9467bd", ":", "x"),
    "willshaw": ("Willshaw (sparse)", "#8c564b", "-", "^"),
    "kanerva": ("Kanerva SDM", "#e377c2", "-", "P"),
}


def mqar_capacity(table: Sequence[dict], *, level: float = 0.5, x: str = "n_pairs", y: str = "accuracy",
                  method: str = "method", dim: str = "key_dim") -> dict:
    """``{(method, key_dim): n_pairs}`` where the mean accuracy falls through ``level`` (NaN: it
    never does within the grid; the value is then at least the largest n_pairs measured)."""
    out = {}
    for m in sorted({r[method] for r in table}):
        rows = [r for r in table if r[method] == m]
        for d, xc in transition_points(rows, x=x, y=y, by=dim, level=level).items():
            out[(m, d)] = xc
    return out


def mqar_recall(
    table: Sequence[dict],
    *,
    x: str = "n_pairs",
    y: str = "accuracy",
    level: float = 0.5,
    title: str = "Multi-query associative recall (MQAR)",
) -> plt.Figure:
    """MQAR recall against the number of key-value pairs, for every method and key dimension.

    Top: accuracy against P, one panel per key dimension d (reference rules of sequence models
    dashed, assoc families solid; dotted vertical line P = d; thin line: chance 1 / vocab).
    Bottom left: the number of pairs where accuracy falls to ``level`` against d. Bottom
    middle: the fraction of wrong value entries of linear attention against the load P / d,
    every d on one curve, with the signal-to-noise theory
    :func:`assoc.theory.linear_attention_bit_error`.
    """
    dims = sorted({r["key_dim"] for r in table})
    methods = [m for m in _MQAR_STYLE if any(r["method"] == m for r in table)]
    ncol = max(3, len(dims))
    fig, axes = plt.subplots(2, ncol, figsize=(4.3 * ncol, 8.2), constrained_layout=True)
    for ax in axes[0, len(dims):]:
        ax.axis("off")
    handles = []
    for ax, d in zip(axes[0], dims):
        rows = [r for r in table if r["key_dim"] == d]
        series = _series(rows, x, y, "method")
        for m in methods:
            if m not in series:
                continue
            label, color, ls, marker = _MQAR_STYLE[m]
            xs, ms, es = series[m]
            h = ax.errorbar(xs, ms, yerr=es, color=color, ls=ls, marker=marker, ms=4, lw=1.3, label=label)
            if d == dims[0]:
                handles.append(h)
        ax.axvline(d, color="gray", ls=":", lw=1)
        ax.text(d, 1.03, " P = d", color="gray", fontsize=8)
        vocab = {r.get("vocab") for r in rows} - {None}
        if len(vocab) == 1:
            ax.axhline(1.0 / vocab.pop(), color="gray", lw=0.5)
        ax.set_xscale("log", base=2)
        ax.set_ylim(-0.03, 1.08)
        ax.set_xlabel("key-value pairs P")
        ax.set_ylabel(f"recall {y}")
        ax.set_title(f"key dimension d = {d}", fontsize=10)

    cap = mqar_capacity(table, level=level, x=x, y=y)
    top = max(r[x] for r in table)
    ax = axes[1, 0]
    ds = np.array(dims, dtype=float)
    for m in methods:
        label, color, ls, marker = _MQAR_STYLE[m]
        ps = np.array([cap.get((m, d), np.nan) for d in dims])
        never = ~np.isfinite(ps)
        ax.plot(ds[~never], ps[~never], color=color, ls=ls, marker=marker, ms=5, lw=1.3)
        if never.any():  # accuracy never fell: at least the largest P measured
            ax.plot(ds[never], np.full(never.sum(), top), color=color, marker="^", ms=9, ls="none", mfc="none")
    ax.plot(ds, ds, color="gray", ls=":", lw=1)
    ax.text(ds[-1], ds[-1], " P = d", color="gray", fontsize=8, va="top")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("key dimension d")
    ax.set_ylabel(f"pairs P where {y} falls to {level}")
    ax.set_title("capacity (open triangles: beyond the largest P run)", fontsize=9)

    ax = axes[1, 1]
    lin = [r for r in table if r["method"] == "linear" and "bit_error" in r]
    shades = plt.cm.Reds(np.linspace(0.45, 0.95, max(1, len(dims))))
    for c, d in zip(shades, dims):
        rows = [r for r in lin if r["key_dim"] == d]
        if not rows:
            continue
        xs, ms, es = _series(rows, x, "bit_error", None)[None]
        ax.errorbar(xs / d, ms, yerr=es, color=c, marker="v", ms=4, lw=0, elinewidth=1,
                    label=f"linear attention, d = {d}")
    if lin:
        loads = np.geomspace(min(r[x] for r in lin) / max(dims), top / min(dims), 200)
        # the theory depends on P and d through (P - 1) / d only: evaluate it at d = 1
        ax.plot(loads, theory.linear_attention_bit_error(1.0 + loads, 1.0), "k-", lw=1.2,
                label=r"theory $\Phi(-\sqrt{d/(P-1)})$")
    ax.axvline(1.0, color="gray", ls=":", lw=1)
    ax.set_xscale("log", base=2)
    ax.set_ylim(-0.01, 0.52)
    ax.set_xlabel("load P / d")
    ax.set_ylabel("fraction of wrong value entries")
    ax.set_title("linear attention: crosstalk grows as P / d", fontsize=9)
    ax.legend(fontsize=8, loc="upper left")

    axes[1, 2].axis("off")
    axes[1, 2].legend(handles=handles, loc="center", fontsize=9, title="method", frameon=False)
    for ax in axes[1, 3:]:
        ax.axis("off")
    fig.suptitle(title)
    return fig


def _first(table: Sequence[dict], key: str, default=None):
    for row in table:
        if key in row:
            return row[key]
    return default


def willshaw_capacity(
    table: Sequence[dict],
    *,
    by: str = "k",
    title: str = "Willshaw memory: retrieval errors and information vs stored pairs",
) -> plt.Figure:
    """Output errors per retrieval, set-synapse fraction p1 and bits per synapse against the
    number of stored pairs M, one colour per ``by`` (k by default).

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
        cue = max(1, int(round(float(rows[0].get("cue_fraction", 1.0)) * k)))
        dil = float(rows[0].get("dilution", 0.0))
        err = _series(rows, "M", "error", None)[None]
        p1 = _series(rows, "M", "p1", None)[None]
        bits = _series(rows, "M", "bits", None)[None]
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
        d = int(rows[0].get("cue_distance", 0))
        r = int(rows[0]["radius"]) if by != "radius" else int(g)
        label = f"{by} = {g}"
        if by == "radius":
            label += f" (p = {theory.sdm_access_probability(n, r):.3g})"
        ax.errorbar(xs, ms, yerr=es, fmt="o", ms=4, color=c, label=label)
        grid = np.geomspace(xs.min(), xs.max(), 50)
        if by == "cue_distance":
            d = int(g)
        ax.plot(grid, theory.sdm_bit_error(n, N, r, np.rint(grid), d), "-", color=c, lw=1.2)
    ax.plot([], [], "k-", label="theory (normal approximation)")
    ax.set_xscale("log")
    ax.set_xlabel("stored items T")
    ax.set_ylabel("bit-error rate of a read")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    return fig


def segment_false_match(
    table: Sequence[dict],
    *,
    x: str = "n",
    by: str = "a",
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
        base = {k: rows[0][k] for k in ("n", "a", "s", "theta", "union")}
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
            size = int(round(theory.segment_union_size(p["n"], p["s"], p["union"])))
            logs.append(theory.segment_log_false_match(p["n"], p["a"], size, p["theta"]) / np.log(10))
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
    fixed = {k: table[0][k] for k in ("n", "a", "s", "theta", "union") if k not in (x, by)}
    ax.set_title(title + "\n" + ", ".join(f"{k} = {v}" for k, v in fixed.items()), fontsize=10)
    ax.legend(fontsize=8)
    return fig


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
    ax1.set_title(f"cues: {_first(table, 'cue_fraction')} of the active bits; "
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


# --- dense associative memories


def _fit_loglog(xs, ys):
    """Slope and its standard error of log y against log x (least squares)."""
    lx, ly = np.log(np.asarray(xs, float)), np.log(np.asarray(ys, float))
    if len(lx) < 2:
        return float("nan"), float("nan"), float("nan")
    a = np.vstack([lx, np.ones_like(lx)]).T
    coef, res, *_ = np.linalg.lstsq(a, ly, rcond=None)
    dof = len(lx) - 2
    if dof > 0:
        s2 = float(((ly - a @ coef) ** 2).sum()) / dof
        se = float(np.sqrt(s2 / ((lx - lx.mean()) ** 2).sum()))
    else:
        se = float("nan")
    return float(coef[0]), se, float(coef[1])


def dense_capacity_scaling(table: Sequence[dict], *, title: str = "Dense associative memory: capacity vs n"):
    """Largest near-perfect load ``p_max`` against n on log-log axes, one colour per degree.

    Points: trial means (error bars: standard error) from the ``dense_capacity`` driver; solid
    lines: least-squares power laws, slope in the legend next to the expected degree - 1;
    dashed: Krotov-Hopfield error-free capacity ``n**(d-1) / (2 (2d-3)!! ln n)``; dotted: the
    one-step signal-to-noise load at which the bit-error rate is ``(1 - m_c) / 2``.
    """
    from scipy.special import erfcinv

    fig, ax = plt.subplots(figsize=(6.5, 4.8), constrained_layout=True)
    agg = aggregate(table, ["degree", "n_neurons"], "p_max")
    degrees = sorted({k[0] for k in agg})
    colors = plt.cm.viridis(np.linspace(0.1, 0.8, max(1, len(degrees))))
    m_c = float(table[0].get("m_c", 0.98)) if table else 0.98
    x_bit = np.sqrt(2.0) * float(erfcinv(1.0 - m_c))
    for c, deg in zip(colors, degrees):
        pts = sorted((k[1], v) for k, v in agg.items() if k[0] == deg)
        ns = np.array([p[0] for p in pts], float)
        ms = np.array([p[1][0] for p in pts])
        es = np.array([p[1][1] for p in pts])
        slope, se, icpt = _fit_loglog(ns, ms)
        ax.errorbar(ns, ms, yerr=es, fmt="o", color=c, ms=4)
        grid = np.geomspace(ns.min(), ns.max(), 50)
        ax.plot(grid, np.exp(icpt) * grid**slope, "-", color=c, lw=1.2,
                label=f"degree {deg}: slope {slope:.2f} $\\pm$ {se:.2f} (theory {deg - 1})")
        ax.plot(grid, theory.dense_capacity(grid, deg), "--", color=c, lw=1)
        ax.plot(grid, grid ** (deg - 1) / (theory.double_factorial(2 * deg - 3) * x_bit**2), ":", color=c, lw=1)
    ax.plot([], [], "k--", lw=1, label=r"error-free $n^{d-1}/(2(2d-3)!!\,\ln n)$")
    ax.plot([], [], "k:", lw=1, label=f"one-step bit error {(1 - m_c) / 2:.3g}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("neurons n")
    ax.set_ylabel(f"largest P with mean final overlap $\\geq$ {m_c}")
    ax.legend(fontsize=7.5, loc="upper right")
    ax.set_title(title, fontsize=10)
    return fig


def dense_exponential_capacity(table: Sequence[dict], *, x: str = "alpha_eff", y: str = "retrieved", by: str = "n",
                               title: str = "Exponential dense memory: retrieval vs ln(P)/n"):
    """Fraction of flipped cues retrieved exactly against ``alpha = ln P / n``, one curve per n,
    with the Demircigil et al. bound ``I(1 - 2 rho)/2`` for the cues' flip fraction rho and the
    exact-cue bound ln 2 / 2."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    rows = [r for r in table if not r.get("skipped")]
    series = _series(rows, x, y, by)
    colors = plt.cm.plasma(np.linspace(0.1, 0.8, max(1, len(series))))
    for c, (g, (xs, ms, es)) in zip(colors, series.items()):
        ax.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=c, label=f"n = {g}")
    rho = float(rows[0].get("cue_flip", 0.1)) if rows else 0.1
    a_rho = float(theory.demircigil_alpha(rho))
    ax.axvline(a_rho, color="k", ls="--", lw=1.2, label=f"Demircigil bound, {rho:.0%} flipped: {a_rho:.3f}")
    ax.axvline(float(theory.demircigil_alpha(0.0)), color="gray", ls=":", lw=1.2,
               label=f"exact cues: ln2/2 = {float(theory.demircigil_alpha(0.0)):.3f}")
    ax.set_xlabel(r"$\alpha = \ln P / n$")
    ax.set_ylabel("fraction of cues retrieved exactly")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(title, fontsize=10)
    return fig


def modern_hopfield_regimes(table: Sequence[dict], *, x: str = "beta",
                            title: str = "Modern Hopfield network: fixed-point regime vs beta"):
    """Fractions of queries whose fixed point is a single pattern, a metastable mixture or the
    global average, against beta (log axis), with the mean participation number k_eff."""
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(6.5, 6), sharex=True, constrained_layout=True)
    for key, color in (("global", "tab:gray"), ("metastable", "tab:orange"), ("single", "tab:blue")):
        s = _series(table, x, key, None)[None]
        ax.errorbar(s[0], s[1], yerr=s[2], marker="o", ms=3, color=color, label=key)
    ax.set_xscale("log")
    ax.set_ylabel("fraction of queries")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    s = _series(table, x, "k_eff", None)[None]
    ax2.errorbar(s[0], s[1], yerr=s[2], marker="o", ms=3, color="k")
    if table:
        per = table[0].get("per_cluster")
        total = (table[0].get("clusters") or 0) * (per or 0)
        if per:
            ax2.axhline(per, color="tab:orange", ls=":", lw=1, label=f"one cluster ({per} patterns)")
        if total:
            ax2.axhline(total, color="tab:gray", ls=":", lw=1, label=f"all {total} patterns")
        ax2.axhline(1, color="tab:blue", ls=":", lw=1, label="one pattern")
        ax2.legend(fontsize=8)
    ax2.set_yscale("log")
    ax2.set_xlabel(r"inverse temperature $\beta$")
    ax2.set_ylabel(r"participation $k_{eff} = 1/\sum p_\mu^2$")
    return fig


def dense_hebbian_learning(table: Sequence[dict], *, x: str = "m", y: str = "m_archetype", by: str = "protocol",
                           title: str = "Dense Hebbian learning: archetype overlap vs number of examples"):
    """Archetype Mattis overlap against the number of examples per archetype M, one curve per
    protocol, with the low-load mean-field curve, the plain Hebbian limit m = 1 and the dataset
    entropy rho on the top axis."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    series = _series(table, x, y, by)
    styles = {"supervised": ("tab:blue", "o"), "unsupervised": ("tab:red", "s")}
    for g, (xs, ms, es) in series.items():
        c, mk = styles.get(g, ("k", "o"))
        ax.errorbar(xs, ms, yerr=es, marker=mk, ms=4, lw=1.2, color=c, label=f"{g} (simulation)")
    if table:
        r = float(table[0]["r"])
        beta = table[0]["beta"]
        beta = None if (isinstance(beta, float) and np.isinf(beta)) else float(beta)
        order = int(table[0]["order"])
        ms_all = sorted({int(row[x]) for row in table})
        grid = np.unique(np.round(np.geomspace(max(1, ms_all[0]), ms_all[-1], 80)).astype(int))
        th = [theory.dense_hebbian_overlap(r, int(mm), beta, order)[0] for mm in grid]
        ax.plot(grid, th, "k--", lw=1.3, label="low-load mean-field theory")
        ax.axhline(1.0, color="gray", ls=":", lw=1, label="Hebbian storage of the archetypes (M large)")
        ax.axhline(r, color="tab:red", ls=":", lw=0.8, label=f"one example retrieved (m = r = {r})")
        temp = "0" if beta is None else f"{1 / beta:.3g}"
        ax.set_title(f"{title}\nP = {order}, r = {r}, noise 1/beta = {temp}", fontsize=10)
        top = ax.secondary_xaxis("top", functions=(lambda mm: (1 - r * r) / (np.maximum(mm, 1e-9) * r * r),
                                                   lambda rho: (1 - r * r) / (np.maximum(rho, 1e-9) * r * r)))
        top.set_xlabel(r"dataset entropy $\rho = (1-r^2)/(M r^2)$")
    ax.set_xscale("log")
    ax.set_xlabel("examples per archetype M")
    ax.set_ylabel("Mattis overlap with the unseen archetype")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize=7.5, loc="center right")
    return fig


def multitask_magnetizations(table: Sequence[dict], *, x: str = "d", level: float = 0.97,
                             title: str = "Multitasking network: sorted magnetizations vs dilution"):
    """Sorted Mattis magnetizations m_1 > m_2 > ... against the dilution d, with the
    hierarchical prediction (1 - d) d**(j-1) (dashed), its stability limit d_c (dotted) and
    the measured break: the first d where m_1 falls below ``level`` times its prediction."""
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(6.5, 6.5), sharex=True, constrained_layout=True,
                                  gridspec_kw={"height_ratios": [2, 1]})
    k = int(table[0]["k"]) if table else 0
    colors = plt.cm.viridis(np.linspace(0.05, 0.85, max(1, k)))
    ds = np.linspace(0.0, 0.99, 200)
    for j in range(k):
        s = _series(table, x, f"m{j + 1}", None)[None]
        ax.errorbar(s[0], s[1], yerr=s[2], marker="o", ms=3, lw=1, color=colors[j], label=f"$m_{j + 1}$")
        ax.plot(ds, (1 - ds) * ds**j, "--", color=colors[j], lw=0.9)
    ax.plot([], [], "k--", lw=0.9, label="hierarchy $(1-d)d^{j-1}$")
    ratio = _series(table, x, "m1_over_h1", None)[None]
    even = _series(table, x, "evenness", None)[None]
    ax2.errorbar(ratio[0], ratio[1], yerr=ratio[2], marker="o", ms=3, color="k", label="$m_1 / (1-d)$")
    ax2.errorbar(even[0], even[1], yerr=even[2], marker="s", ms=3, color="tab:green", label=f"$m_{k}/m_1$")
    ax2.axhline(level, color="gray", lw=0.6)
    if k:
        d_c = theory.multitask_critical_dilution(k)
        for a in (ax, ax2):
            a.axvline(d_c, color="tab:red", ls=":", lw=1.2)
        ax.plot([], [], color="tab:red", ls=":", label=f"theory $d_c$ = {d_c:.3f}")
        below = [xv for xv, mv in zip(ratio[0], ratio[1]) if mv < level]
        if below:
            d_b = float(min(below))
            ax2.axvline(d_b, color="tab:purple", lw=1.2)
            ax.plot([], [], color="tab:purple", label=f"measured break d = {d_b:.3g}")
    ax.set_ylabel("sorted |Mattis magnetization|")
    ax.legend(fontsize=7.5, ncol=2)
    ax.set_title(f"{title} (K = {k})", fontsize=10)
    ax2.set_xlabel("dilution d")
    ax2.set_ylabel("ratio")
    ax2.legend(fontsize=7.5)
    return fig


_AGENT_STYLE = {
    "none": ("no memory", "#7f7f7f"),
    "hopfield": ("Hopfield memory", "#1f77b4"),
    "dense": ("dense memory", "#17becf"),
    "modern_hopfield": ("modern Hopfield memory", "#9467bd"),
    "willshaw": ("Willshaw memory", "#8c564b"),
    "kanerva": ("Kanerva SDM", "#e377c2"),
    "sparsey": ("Sparsey memory", "#2ca02c"),
    "dendritic": ("dendritic-segment memory", "#bcbd22"),
}


def agent_learning_curves(
    table: Sequence[dict],
    *,
    x: str = "episode",
    y: str = "reward",
    by: str = "agent",
    seed: str = "seed",
    window: int = 25,
    chance: float | None = None,
    title: str = "Key-value recall across a delay: agents with and without an episodic memory",
) -> plt.Figure:
    """Learning curves: ``y`` smoothed over ``window`` episodes per seed, then mean +/- standard
    error over seeds, one curve per ``by`` value; ``chance`` draws the level of guessing."""
    fig, ax = plt.subplots(figsize=(7.5, 4.5), constrained_layout=True)
    order = list(_AGENT_STYLE)
    groups = sorted({r[by] for r in table}, key=lambda g: (order.index(g) if g in order else len(order), str(g)))
    kernel = np.ones(window) / window
    for g in groups:
        rows = [r for r in table if r[by] == g]
        seeds = sorted({r[seed] for r in rows})
        curves = []
        for s in seeds:
            pts = sorted((r[x], r[y]) for r in rows if r[seed] == s)
            vals = np.array([v for _, v in pts], dtype=float)
            curves.append(np.convolve(vals, kernel, mode="valid"))
        length = min(len(c) for c in curves)
        c = np.array([cv[:length] for cv in curves])
        xs = np.arange(length) + window
        mean = c.mean(axis=0)
        sem = c.std(axis=0, ddof=1) / np.sqrt(len(c)) if len(c) > 1 else np.zeros(length)
        label, color = _AGENT_STYLE.get(g, (str(g), None))
        line, = ax.plot(xs, mean, color=color, lw=1.6, label=f"{label} ({len(seeds)} seeds)")
        ax.fill_between(xs, mean - sem, mean + sem, color=line.get_color(), alpha=0.2, lw=0)
    if chance is not None:
        ax.axhline(chance, color="k", ls=":", lw=1, label=f"chance ({chance:g})")
    ax.set_xlabel(f"{x} (end of a {window}-episode window)")
    ax.set_ylabel(f"mean {y} (success rate)")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(fontsize=8, loc="center right")
    ax.set_title(title, fontsize=10)
    return fig


# --- spiking CA3 (scalable network)


def ca3_completion(table: Sequence[dict], *, x: str = "cue_frac", y: str = "m_mean", by: str = "patterns",
                   title: str = "Spiking CA3: pattern completion from partial cues") -> plt.Figure:
    """Final overlap against the cue fraction: correlation of the cells active after the cue
    with the cued pattern.

    Left: final overlap per number of stored patterns, with the overlap of the cue itself
    (``m_cue``, dashed): points above it are completed by the recurrent dynamics. Right: the
    fraction of probes retrieved (``retrieved``).
    """
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    series = _series(table, x, y, by)
    colors = _palette(len(series))
    for c, (g, (xs, ms, es)) in zip(colors, series.items()):
        ax1.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=c, label=f"{by} = {g}")
    for g, (xs, ms, _) in _series(table, x, "m_cue", None).items():
        ax1.plot(xs, ms, "k--", lw=1.2, label="cue alone")
    ax1.set_xlabel("fraction of the assembly cued")
    ax1.set_ylabel("final overlap (correlation of active cells)")
    ax1.set_ylim(-0.05, 1.02)
    ax1.legend(fontsize=8)
    for c, (g, (xs, ms, es)) in zip(colors, _series(table, x, "retrieved", by).items()):
        ax2.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=c, label=f"{by} = {g}")
    ax2.set_xlabel("fraction of the assembly cued")
    ax2.set_ylabel("fraction retrieved")
    ax2.set_ylim(-0.02, 1.05)
    ax2.legend(fontsize=8)
    n, p, a = (_first(table, k) for k in ("n", "p", "a"))
    fig.suptitle(f"{title} (n = {n}, p = {p}, a = {a})", fontsize=11)
    return fig


def ca3_capacity(table: Sequence[dict], *, x: str = "load", y: str = "retrieved", by: str = "a",
                 level: float = 0.5, title: str = "Spiking CA3: capacity vs coding level") -> plt.Figure:
    """Retrieval against the number of stored patterns for several coding levels ``a`` (left),
    and the capacity ``P_max`` (load where half the probes are retrieved) against ``a`` with the
    Treves-Rolls scaling ``k C / (a ln(1/a))``, ``k`` fitted to the points (right)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    series = _series(table, x, y, by)
    colors = _palette(len(series))
    for c, (g, (xs, ms, es)) in zip(colors, series.items()):
        ax1.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=c, label=f"{by} = {g}")
    ax1.axhline(level, color="gray", lw=0.8, ls=":")
    ax1.set_xscale("log")
    ax1.set_xlabel("stored patterns P")
    ax1.set_ylabel(f"fraction retrieved ({y})")
    ax1.set_ylim(-0.02, 1.05)
    ax1.legend(fontsize=8)
    pts = transition_points(table, x=x, y=y, by=by, level=level)
    C_of = {g: m for (g,), (m, _, _) in aggregate(table, [by], "C").items()}
    gs = np.array([g for g in pts if np.isfinite(pts[g])], dtype=float)
    pm = np.array([pts[g] for g in gs])
    Cs = np.array([C_of.get(g, np.nan) for g in gs])
    ax2.plot(gs, pm, "o", color="C0", label="simulation (half retrieved)")
    if len(gs):
        k = theory.treves_rolls_fit(Cs, gs, pm)
        aa = np.linspace(min(gs) * 0.8, max(gs) * 1.2, 200)
        ax2.plot(aa, theory.treves_rolls_capacity(np.nanmean(Cs), aa, k), "k--",
                 label=f"Treves-Rolls k C / (a ln 1/a), k = {k:.3f}")
        ax2.plot(aa, pm[0] * gs[0] / aa, ":", color="gray", lw=1, label="1 / a (for comparison)")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax2.yaxis.set_minor_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax2.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    if len(gs):
        ax2.set_xticks(gs, [f"{g:g}" for g in gs])
    ax2.set_xlabel("coding level a")
    ax2.set_ylabel("capacity P_max")
    ax2.legend(fontsize=8)
    n, p = _first(table, "n"), _first(table, "p")
    fig.suptitle(f"{title} (n = {n}, p = {p}, C = {np.nanmean(Cs) if len(gs) else float('nan'):.0f})", fontsize=11)
    return fig


def ca3_forgetting(table: Sequence[dict], *, by: str = "eta_minus", bin_width: int = 5,
                   title: str = "Spiking CA3: forgetting by overwriting (palimpsest)") -> plt.Figure:
    """Final overlap (left) and retrieval success (right) against the age of a memory (1 = the
    most recently stored), from the ``m_age_<k>`` / ``ok_age_<k>`` columns of ``ca3_forgetting``.

    Ages are pooled in bins of ``bin_width`` (mean over the bin and the trials; error bars:
    standard error over the trials of the bin means)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    groups = sorted({row.get(by) for row in table}, key=lambda v: (v is None, v))
    colors = _palette(len(groups))
    for c, g in zip(colors, groups):
        rows = [r for r in table if r.get(by) == g]
        for ax, prefix in ((ax1, "m_age_"), (ax2, "ok_age_")):
            ages = sorted({int(k[len(prefix):]) for r in rows for k in r if k.startswith(prefix)})
            vals = np.array([[r.get(f"{prefix}{a}", np.nan) for a in ages] for r in rows], dtype=float)
            edges = np.arange(1, max(ages) + bin_width + 1, bin_width) if ages else np.array([1])
            centers, means, sems = [], [], []
            for lo, hi in zip(edges[:-1], edges[1:]):
                cols = [k for k, a in enumerate(ages) if lo <= a < hi]
                if not cols:
                    continue
                per_trial = np.nanmean(vals[:, cols], axis=1)
                centers.append(np.mean([ages[k] for k in cols]))
                means.append(np.nanmean(per_trial))
                sems.append(np.nanstd(per_trial) / np.sqrt(max(1, len(per_trial))))
            ax.errorbar(centers, means, yerr=sems, marker="o", ms=3, lw=1.2, color=c, label=f"{by} = {g}")
    ax1.set_xlabel("age of the memory (patterns stored since)")
    ax1.set_ylabel("final overlap (correlation of active cells)")
    ax2.set_xlabel("age of the memory (patterns stored since)")
    ax2.set_ylabel("fraction retrieved")
    ax2.set_ylim(-0.02, 1.05)
    for ax in (ax1, ax2):
        ax.legend(fontsize=8)
    n, p, a = (_first(table, k) for k in ("n", "p", "a"))
    fig.suptitle(f"{title} (n = {n}, p = {p}, a = {a}; ages pooled in bins of {bin_width})", fontsize=11)
    return fig


def ca3_cam_recall(table: Sequence[dict], *, x: str = "op_ms", by: str = "density",
                   title: str = "Spiking CA3 CAM: exact recall vs spacing of operations") -> plt.Figure:
    """Fraction of cues recalled exactly (left) and of one-bit fragments returning exactly the
    cues that hold the bit (right) against the time between operations, one curve per content
    density. Below about 3 STDP time constants (tau = 3 ms) apart, learning operations depress
    each other's synapses."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for ax, y, label in ((ax1, "cue_exact", "cues recalled exactly"),
                         (ax2, "fragment_exact", "fragments giving exactly their cues")):
        series = _series(table, x, y, by)
        colors = _palette(len(series))
        for c, (g, (xs, ms, es)) in zip(colors, series.items()):
            ax.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=c, label=f"{by} = {g}")
        ax.set_xlabel("time between operations (ms)")
        ax.set_ylabel(f"fraction of {label}")
        ax.set_ylim(-0.02, 1.05)
        ax.legend(fontsize=8)
        ax.set_title(f"recall by {'cue' if y == 'cue_exact' else 'one-bit fragment'}", fontsize=10)
    n_cues, n_content = _first(table, "n_cues"), _first(table, "n_content")
    fig.suptitle(f"{title} ({n_cues} cues x {n_content} bits, all written, then "
                 f"{_first(table, 'overwrite')} of them overwritten)", fontsize=11)
    return fig


# --- measurements: phase diagrams, basins, finite-size capacity, rules, interference, forgetting


def _grid2d(table: Sequence[dict], x: str, y: str, value: str):
    """Trial-averaged ``value`` on the (x, y) grid: ``(xs, ys, Z[y, x])`` (NaN where missing)."""
    agg = aggregate(table, [x, y], value)
    xs = np.array(sorted({k[0] for k in agg}))
    ys = np.array(sorted({k[1] for k in agg}))
    z = np.full((len(ys), len(xs)), np.nan)
    for (xv, yv), (mean, _, _) in agg.items():
        z[np.searchsorted(ys, yv), np.searchsorted(xs, xv)] = mean
    return xs, ys, z


def _edges(v: np.ndarray) -> np.ndarray:
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.r_[v[0] - (mid[0] - v[0]), mid, v[-1] + (v[-1] - mid[-1])]


def ags_phase_diagram(
    table: Sequence[dict],
    *,
    x: str = "alpha",
    y: str = "temperature",
    value: str = "m_mean",
    title: str = "Hopfield network: (alpha, T) phase diagram, Glauber dynamics",
) -> plt.Figure:
    """Time-averaged overlap over the (load, temperature) plane with the AGS lines.

    Colour: the overlap with the initial pattern after Glauber dynamics (simulation). Lines:
    T_g = 1 + sqrt(alpha) (spin-glass), T_M(alpha) (retrieval states cease to exist) and
    T_c(alpha) (retrieval states become global minima), from the replica-symmetric theory
    (:func:`assoc.theory.ags_phase_lines`).
    """
    xs, ys, z = _grid2d(table, x, y, value)
    fig, ax = plt.subplots(figsize=(7.5, 5.2), constrained_layout=True)
    mesh = ax.pcolormesh(_edges(xs), _edges(ys), z, cmap="cividis", vmin=0, vmax=1, shading="flat")
    fig.colorbar(mesh, ax=ax, label=f"simulated overlap m ({value})")
    lines = theory.ags_phase_lines()
    ax.plot(lines["alpha_M"], lines["T"], "w-", lw=2.4)
    ax.plot(lines["alpha_M"], lines["T"], "k-", lw=1.4, label=r"$T_M(\alpha)$: retrieval states vanish (theory)")
    ax.plot(lines["alpha_c"], lines["T"], "w--", lw=2.4)
    ax.plot(lines["alpha_c"], lines["T"], "k--", lw=1.4, label=r"$T_c(\alpha)$: retrieval = global minimum (theory)")
    ax.plot(lines["T_g_alpha"], lines["T_g"], color="tab:red", ls=":", lw=2,
            label=r"$T_g = 1 + \sqrt{\alpha}$: spin glass (theory)")
    ax.set_xlim(min(0.0, _edges(xs)[0]), _edges(xs)[-1])  # from 0: the lines meet at T = 1 there
    ax.set_ylim(_edges(ys)[0], _edges(ys)[-1])
    ax.set_xlabel(r"load $\alpha = P/n$")
    ax.set_ylabel("temperature T (units of the coupling scale)")
    n = _first(table, "n")
    ax.set_title(f"{title}\nn = {n}; lines: Amit-Gutfreund-Sompolinsky replica-symmetric theory", fontsize=10)
    ax.legend(fontsize=8, loc="upper right", framealpha=0.85)
    return fig


def basins_map(
    table: Sequence[dict],
    *,
    x: str = "quality",
    y: str = "alpha",
    value: str = "m_mean",
    by: str = "cue",
    level: float = 0.9,
    title: str = "Basins of attraction: final overlap vs cue quality and load",
) -> plt.Figure:
    """Final overlap over (cue quality, load), one panel per cue corruption (``by``).

    The white contour marks where the final overlap crosses ``level`` (simulation); the
    dotted line the T = 0 capacity alpha_c = 0.138 (AGS) for the Hebbian network.
    """
    groups = sorted({row[by] for row in table}) if by else [None]
    fig, axes = plt.subplots(1, len(groups), figsize=(4.6 * len(groups) + 1, 4.4), constrained_layout=True,
                             squeeze=False)
    labels = {"erase": "fragment: rest erased (0)", "random": "fragment: rest random", "flip": "noisy: bits flipped"}
    mesh = None
    for ax, g in zip(axes[0], groups):
        sub = [r for r in table if by is None or r[by] == g]
        xs, ys, z = _grid2d(sub, x, y, value)
        mesh = ax.pcolormesh(_edges(xs), _edges(ys), z, cmap="cividis", vmin=0, vmax=1, shading="flat")
        if len(xs) > 1 and len(ys) > 1 and np.nanmax(z) > level > np.nanmin(z):
            ax.contour(xs, ys, z, levels=[level], colors="white", linewidths=1.6)
            ax.plot([], [], color="white", lw=1.6, label=f"m = {level} (simulation)")
        if _first(sub, "family", "hopfield") == "hopfield" and _first(sub, "rule", "hebbian") == "hebbian":
            ax.axhline(theory.ags_alpha_c(), color="tab:red", ls=":", lw=1.6, label=r"$\alpha_c$ = 0.138 (AGS theory)")
        ax.set_xlabel("cue quality: initial overlap $m_0$ with the pattern")
        ax.set_ylabel(r"load $\alpha = P/n$")
        ax.set_title(labels.get(g, str(g)), fontsize=10)
        ax.legend(fontsize=8, loc="upper left", framealpha=0.85)
    fig.colorbar(mesh, ax=axes[0].tolist(), label="final overlap m (simulation)")
    fig.suptitle(f"{title} (n = {_first(table, 'n')}, {_first(table, 'family', 'hopfield')})", fontsize=11)
    return fig


def _fit_finite_size(ns, means, sems):
    """Weighted fit of ``alpha_c(n) = a_inf + a n^-b``: ``(params, errors)`` or None."""
    from scipy.optimize import curve_fit

    if len(ns) < 4:
        return None
    sig = np.where(sems > 0, sems, np.nanmax(sems[sems > 0]) if (sems > 0).any() else 1.0)
    try:
        popt, pcov = curve_fit(lambda n, a0, a, b: a0 + a * n ** (-b), ns, means, p0=(means[-1] * 0.9, 1.0, 0.5),
                               sigma=sig, absolute_sigma=True, bounds=([0, -np.inf, 0.05], [np.inf, np.inf, 3.0]),
                               maxfev=20000)
    except (RuntimeError, ValueError):
        return None
    return popt, np.sqrt(np.diag(pcov))


def finite_size_capacity(
    table: Sequence[dict],
    *,
    x: str = "n",
    y: str = "alpha_c",
    by: str | None = None,
    title: str = "Finite-size capacity: critical load vs network size",
) -> plt.Figure:
    """Critical load per network size (mean +/- s.e.m. over disorder samples) with the fit
    ``alpha_c(n) = alpha_inf + a n^-b`` and the AGS value 0.138; plotted against n^-1/2."""
    series = _series(table, x, y, by)
    fig, ax = plt.subplots(figsize=(7, 4.6), constrained_layout=True)
    colors = plt.cm.viridis(np.linspace(0.1, 0.8, max(1, len(series))))
    for c, (g, (ns, ms, es)) in zip(colors, series.items()):
        ns = ns.astype(float)
        lab = "simulation (mean $\\pm$ s.e.m. over samples)" + (f", {by} = {g}" if by else "")
        ax.errorbar(ns ** -0.5, ms, yerr=es, fmt="o", color=c, ms=5, capsize=3, label=lab)
        fit = _fit_finite_size(ns, ms, es)
        if fit is not None:
            (a0, a, b), (e0, _, eb) = fit
            grid = np.geomspace(ns.min() / 2, 1e7, 200)
            ax.plot(grid ** -0.5, a0 + a * grid ** (-b), "-", color=c,
                    label=rf"fit $\alpha_\infty + a n^{{-b}}$: $\alpha_\infty$ = {a0:.3f} $\pm$ {e0:.3f}, b = {b:.2f} $\pm$ {eb:.2f}")
        if len(ns) >= 3:  # the same with b fixed at 1/2: a straight line in n^-1/2
            w = 1.0 / np.where(es > 0, es, es[es > 0].min() if (es > 0).any() else 1.0) ** 2
            coef, cov = np.polyfit(ns ** -0.5, ms, 1, w=np.sqrt(w), cov="unscaled")
            xs_line = np.linspace(0, (ns.min() / 2) ** -0.5, 50)
            ax.plot(xs_line, np.polyval(coef, xs_line), "-.", color=c, lw=1.2,
                    label=rf"fit with b = 1/2: $\alpha_\infty$ = {coef[1]:.3f} $\pm$ {np.sqrt(cov[1, 1]):.3f}")
    if _first(table, "rule", "hebbian") == "hebbian" and _first(table, "family", "hopfield") == "hopfield":
        ax.axhline(theory.ags_alpha_c(), color="k", ls="--", lw=1.2, label=r"AGS theory $n \to \infty$: 0.138")
    ax.set_xlim(left=0)
    ax.set_xlabel(r"$n^{-1/2}$ (network size n, neurons)")
    ax.set_ylabel(r"critical load $\alpha_c(n)$ (half of the patterns retrieved)")
    for g, (ns, ms, es) in series.items():
        for nv, mv, ev in zip(ns, ms, es):
            ax.annotate(f"n = {int(nv)}", (float(nv) ** -0.5, mv + ev), textcoords="offset points", xytext=(0, 5),
                        ha="center", fontsize=7, color="0.3")
    ax.legend(fontsize=8, loc="lower right")
    ax.set_title(title, fontsize=10)
    return fig


def rules_comparison(
    table: Sequence[dict],
    *,
    x: str = "alpha",
    y: str = "m_mean",
    by: str = "rule",
    success: str = "retrieved_09",
    title: str = "Learning rules: Hebbian vs Storkey vs pseudo-inverse",
) -> plt.Figure:
    """Final overlap and fraction retrieved against load, one curve per learning rule, with
    each rule's theoretical capacity marked: AGS 0.138 (Hebbian), 1/sqrt(2 ln n) (Storkey
    1997), 1 (pseudo-inverse: every pattern is a fixed point up to P = n)."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.3), constrained_layout=True)
    n = float(_first(table, "n", 1000))
    marks = {"hebbian": (theory.ags_alpha_c(), "AGS 0.138"),
             "storkey": (float(theory.storkey_capacity(n)) / n, r"$1/\sqrt{2\ln n}$"),
             "pseudo_inverse": (1.0, "P = n")}
    colors = dict(zip(["hebbian", "storkey", "pseudo_inverse", "palimpsest"], ["tab:blue", "tab:orange", "tab:green", "tab:purple"]))
    for ax, val in ((ax1, y), (ax2, success)):
        for g, (xs, ms, es) in _series(table, x, val, by).items():
            col = colors.get(g, None)
            ax.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.3, color=col, label=f"{g} (simulation)")
            if g in marks and marks[g][0] <= max(xs) * 1.05:
                ax.axvline(marks[g][0], color=col, ls="--", lw=1, label=f"{g} theory: {marks[g][1]}")
        ax.set_xlabel(r"load $\alpha = P/n$")
        ax.set_ylim(-0.02, 1.05)
        ax.legend(fontsize=7, loc="lower left")
    flipped = _first(table, "cue_flip", 0.0)
    ax1.set_ylabel(f"final overlap m (cue: stored pattern, {100 * flipped:.0f} % bits flipped)")
    ax2.set_ylabel(f"fraction retrieved ({success})")
    fig.suptitle(f"{title} (n = {int(n)}, asynchronous T = 0 dynamics)", fontsize=11)
    return fig


def interference_snr(
    table: Sequence[dict],
    *,
    x: str = "c",
    by: str | None = None,
    title: str = "Interference of correlated memories: crosstalk vs signal-to-noise theory",
) -> plt.Figure:
    """Unstable-bit fraction and crosstalk of hierarchical patterns against their correlation c.

    Left: measured fraction of unstable bits (points) with the signal-to-noise prediction for
    correlated patterns (line) and for uncorrelated ones (dashed). Middle: crosstalk mean and
    standard deviation, measured and predicted. Right: final overlap with the cued child and
    with its parent after the dynamics."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), constrained_layout=True)
    series = lambda v: _series(table, x, v, by)  # noqa: E731
    colors = plt.cm.viridis(np.linspace(0.1, 0.8, max(1, len(series("bit_error")))))
    ax = axes[0]
    for c, g in zip(colors, series("bit_error")):
        xs, ms, es = series("bit_error")[g]
        _, pm, _ = series("pred_error")[g]
        _, pr, _ = series("pred_error_random")[g]
        lab = f" ({by} = {g})" if by else ""
        ax.errorbar(xs, ms, yerr=es, fmt="o", color=c, ms=4, label="measured" + lab)
        ax.plot(xs, pm, "-", color=c, label="SNR theory, correlated" + lab)
        ax.plot(xs, pr, "--", color=c, lw=1, label="SNR theory, uncorrelated" + lab)
    ax.set_yscale("log")
    ax.set_xlabel("correlation c (child-parent overlap; siblings overlap $c^2$)")
    ax.set_ylabel("fraction of unstable bits in stored patterns")
    ax.legend(fontsize=7)
    ax = axes[1]
    for c, g in zip(colors, series("crosstalk_mean")):
        xs, mm, me = series("crosstalk_mean")[g]
        _, vm, _ = series("crosstalk_var")[g]
        _, pmn, _ = series("pred_mean")[g]
        _, pv, _ = series("pred_var")[g]
        lab = f" ({by} = {g})" if by else ""
        ax.errorbar(xs, mm, yerr=me, fmt="o", color=c, ms=4, label="mean, measured" + lab)
        ax.plot(xs, pmn, "-", color=c, label="mean, theory" + lab)
        ax.plot(xs, np.sqrt(vm), "s", color=c, mfc="none", ms=5, label="std, measured" + lab)
        ax.plot(xs, np.sqrt(pv), ":", color=c, label="std, theory" + lab)
    ax.set_xlabel("correlation c")
    ax.set_ylabel(r"crosstalk $C_i = \xi_i h_i - (n-1)/n$")
    ax.legend(fontsize=7)
    ax = axes[2]
    for c, g in zip(colors, series("m_child")):
        lab = f" ({by} = {g})" if by else ""
        xs, ms, es = series("m_child")[g]
        ax.errorbar(xs, ms, yerr=es, marker="o", color=c, ms=4, label="with the cued pattern" + lab)
        xs, ms, es = series("m_parent")[g]
        ax.errorbar(xs, ms, yerr=es, marker="^", ls="--", color=c, ms=4, label="with its parent" + lab)
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("correlation c")
    ax.set_ylabel("final overlap after the dynamics")
    ax.legend(fontsize=7)
    fig.suptitle(f"{title} (n = {_first(table, 'n')}, alpha = {_first(table, 'alpha')}, Hebbian)", fontsize=11)
    return fig


def _age_curves(table: Sequence[dict], prefix: str, by: str):
    """``{group: (ages + 1 at bin centres, mean, sem, bin sizes)}`` from ``prefix_<edge>`` metrics."""
    out = {}
    for g in sorted({row[by] for row in table}, key=str):
        rows = [r for r in table if r[by] == g]
        keys = sorted(k for k in rows[0] if k.startswith(prefix + "_") and k[len(prefix) + 1:].isdigit())
        if not keys:
            continue
        lo = np.array([int(k[len(prefix) + 1:]) for k in keys])
        hi = np.r_[lo[1:], int(rows[0]["stored"])]
        vals = np.array([[r[k] for k in keys] for r in rows], dtype=float)
        sem = vals.std(axis=0, ddof=1) / np.sqrt(len(rows)) if len(rows) > 1 else np.zeros(len(keys))
        out[g] = (np.sqrt((lo + 1.0) * hi), vals.mean(axis=0), sem, hi - lo)
    return out


def forgetting_curves(
    table: Sequence[dict],
    *,
    by: str = "variant",
    fit: Sequence[str] = ("cascade", "binary"),
    title: str = "Forgetting curves of palimpsest memories",
) -> plt.Figure:
    """Recall and memory signal against the age of a pattern (patterns stored after it).

    Left: final overlap from a noisy cue (simulation), with 0.05 n marked. Right: memory
    signal (log-log) with exponential and power-law fits for the variants in ``fit``; the
    legend says which fits better (smaller residual of log signal), and the grey band is the
    noise level of a single pattern's signal, 1/sqrt(n (n - 1) / 2).
    """
    from .forgetting import fit_forgetting

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14.5, 4.8), constrained_layout=True)
    n = int(_first(table, "n"))
    names = {"bounded": "Hopfield, learning within bounds", "decay": "Hopfield, weight decay",
             "storkey": "Storkey rule", "hebbian": "Hebbian (no forgetting)", "cascade": "cascade synapses",
             "binary": "binary synapses", "willshaw": "Willshaw + random depression"}
    colors = dict(zip(names, plt.cm.tab10(np.arange(len(names)))))
    for g, (t, m, e, _) in _age_curves(table, "m", by).items():
        ax1.errorbar(t, m, yerr=e, marker="o", ms=3, lw=1.3, color=colors.get(g), label=names.get(g, str(g)))
    ax1.axvline(0.05 * n, color="gray", ls="--", lw=1)
    ax1.text(0.05 * n, 0.02, " 0.05 n", color="gray", fontsize=8)
    ax1.set_xscale("log")
    ax1.set_ylim(-0.02, 1.05)
    ax1.set_xlabel("age + 1 (patterns stored after it, plus one)")
    ax1.set_ylabel("final overlap m (simulation)")
    ax1.legend(fontsize=8, loc="center right")
    ax1.set_title("recall of each pattern against its age", fontsize=10)
    trials = len({r["trial"] for r in table})
    floor = 1.0 / np.sqrt(n * (n - 1) / 2.0)
    for g, (t, s, e, size) in _age_curves(table, "sig", by).items():
        col = colors.get(g)
        ok = s > 0
        ax2.errorbar(t[ok], s[ok], yerr=e[ok], fmt="o", ms=3, color=col, label=names.get(g, str(g)))
        if g in fit:
            use = s > 3.0 * floor / np.sqrt(size * max(trials, 1))
            if use.sum() >= 3:
                f = fit_forgetting(t[use], s[use])
                tt = np.geomspace(t[use].min(), t[use].max(), 100)
                ax2.plot(tt, f["pow_amp"] * tt ** -f["pow_gamma"], "-", color=col, lw=1.2,
                         label=rf"  power law $t^{{-{f['pow_gamma']:.2f}}}$ (SSE {f['pow_sse']:.2f})")
                ax2.plot(tt, f["exp_amp"] * np.exp(-tt / f["exp_tau"]), ":", color=col, lw=1.4,
                         label=rf"  exponential $\tau$ = {f['exp_tau']:.0f} (SSE {f['exp_sse']:.2f}): {f['better']} fits better")
    ax2.axhspan(1e-6, floor, color="0.85", zorder=0)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_ylim(bottom=max(1e-5, floor / 10))
    ax2.set_xlabel("age + 1 (patterns stored after it, plus one)")
    ax2.set_ylabel(r"memory signal $\langle w_{ij}\xi_i\xi_j\rangle / w_{rms}$")
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax2.set_title("memory signal with exponential and power-law fits", fontsize=10)
    fig.suptitle(f"{title} (n = {n}, {int(_first(table, 'stored'))} patterns stored one after another)", fontsize=11)
    return fig


# --------------------------------------------------------------------------- phase maps and sparse interference


def _log_edges(v: np.ndarray) -> np.ndarray:
    """Cell edges of positive values on a logarithmic axis (geometric midpoints)."""
    v = np.asarray(v, dtype=np.float64)
    if len(v) == 1:
        return np.array([v[0] / 1.5, v[0] * 1.5])
    mid = np.sqrt(v[1:] * v[:-1])
    return np.r_[v[0] ** 2 / mid[0], mid, v[-1] ** 2 / mid[-1]]


def dense_phase_diagram(
    table: Sequence[dict],
    *,
    x: str = "degree",
    y: str = "load",
    value: str = "m_mean",
    level: float = 0.5,
    title: str = "Dense associative memory: retrieval over (degree, load)",
) -> plt.Figure:
    """Retrieval of the polynomial dense memory over (degree n, load P / N**(n-1)), with theory.

    Left: the final overlap (``value``) of the dynamics started at the stored patterns, one
    column per degree, against the raw load P / N**(n-1) (log axis). Lines: the Krotov-Hopfield
    error-free capacity ``N**(n-1) / (2 (2n-3)!! ln N)`` (:func:`assoc.theory.dense_capacity`)
    and the load at which the one-step bit error ``Q(sqrt(N**(n-1) / ((2n-3)!! P)))``
    (:func:`assoc.theory.dense_bit_error`) reaches 1 %; markers: where the simulated
    ``retrieved`` fraction crosses ``level``. Right: the measured one-step bit error against
    the scaled load ``P (2n-3)!! / N**(n-1)``, every degree on the one theory curve.
    """
    from scipy.special import erfcinv

    n = int(_first(table, "n"))
    degrees, loads, z = _grid2d(table, x, y, value)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5.2), constrained_layout=True,
                                   gridspec_kw={"width_ratios": [1.15, 1]})
    mesh = None
    for col, d in enumerate(degrees):
        df = theory.double_factorial(2 * int(d) - 3)
        raw = loads / df
        ok = np.isfinite(z[:, col])
        if not ok.any():
            continue
        mesh = ax1.pcolormesh([d - 0.42, d + 0.42], _log_edges(raw[ok]), z[ok, col][:, None], cmap="cividis",
                              vmin=0, vmax=1, shading="flat")
    if mesh is not None:
        fig.colorbar(mesh, ax=ax1, label=f"simulated final overlap m ({value})")
    dd = np.arange(int(degrees.min()), int(degrees.max()) + 1)
    dfs = np.array([theory.double_factorial(2 * int(d) - 3) for d in dd], dtype=float)
    cap = np.array([float(theory.dense_capacity(n, int(d))) for d in dd]) / float(n) ** (dd - 1)
    x_1pct = 1.0 / (np.sqrt(2.0) * float(erfcinv(2 * 0.01))) ** 2  # Q(1/sqrt(x)) = 1 %
    for style, lw in (("w", 3.2), ("k", 1.6)):
        ax1.plot(dd, cap, "-", color=style, lw=lw, marker="o", ms=5 if style == "k" else 7,
                 label=r"error-free capacity $N^{n-1}/(2(2n-3)!!\,\ln N)$ (theory)" if style == "k" else None)
        ax1.plot(dd, x_1pct / dfs, "--", color=style, lw=lw,
                 label="one-step bit error = 1 % (theory)" if style == "k" else None)
    pts = transition_points(table, x=y, y="retrieved", by=x, level=level)
    px = [d for d, v in pts.items() if np.isfinite(v)]
    py = [pts[d] / theory.double_factorial(2 * int(d) - 3) for d in px]
    ax1.plot(px, py, "D", color="tab:red", ms=7, mec="w",
             label=f"simulation: {int(100 * level)} % of patterns retrieved exactly")
    ax1.set_yscale("log")
    ax1.set_xticks(degrees)
    ax1.set_xlabel("degree n of the energy $F(x) = x^n$")
    ax1.set_ylabel(r"load $P / N^{n-1}$")
    ax1.legend(fontsize=7.5, loc="lower left", framealpha=0.9)
    cue = _first(table, "cue_flip", 0.0)
    ax1.set_title(f"final overlap from stored patterns ({100 * float(cue):.0f} % of cue bits flipped)",
                  fontsize=10)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(degrees)))
    for c, d in zip(colors, degrees):
        rows = [r for r in table if r[x] == d]
        s = _series(rows, y, "bit_error", None)[None]
        ok = s[1] > 0
        ax2.errorbar(s[0][ok], s[1][ok], yerr=s[2][ok], fmt="o", ms=4, color=c, label=f"n = {int(d)} (simulation)")
    lx = np.geomspace(min(loads), max(loads), 200)
    ax2.plot(lx, 0.5 * _erfc_np(1.0 / np.sqrt(2.0 * lx)), "k-", lw=1.4,
             label=r"theory $Q(1/\sqrt{x})$, every degree")
    ax2.axvline(1.0 / (2.0 * np.log(n)), color="gray", ls=":", lw=1.2)
    ax2.text(1.0 / (2.0 * np.log(n)), 2e-4, r" $x_c = 1/(2\ln N)$", color="gray", fontsize=8)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax2.set_ylim(1e-4, 0.6)
    ax2.set_xlabel(r"scaled load $x = P\,(2n-3)!!\,/\,N^{n-1}$")
    ax2.set_ylabel("one-step bit error of stored patterns")
    ax2.legend(fontsize=8, loc="lower right")
    ax2.set_title("signal-to-noise collapse: bit error against scaled load", fontsize=10)
    fig.suptitle(f"{title}, N = {n} neurons (Krotov & Hopfield 2016)", fontsize=11)
    return fig


def _erfc_np(v):
    from scipy.special import erfc

    return erfc(np.asarray(v, dtype=np.float64))


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


def forgetting_curves_spiking(
    table: Sequence[dict],
    *,
    by: str = "variant",
    fit: Sequence[str] = ("cascade", "binary", "ca3"),
    title: str = "Forgetting curves: spiking CA3 network next to the other palimpsests",
) -> plt.Figure:
    """Recall and memory signal against pattern age, the spiking CA3 network among the variants.

    As :func:`forgetting_curves` (left: final overlap from a cue; right: memory signal with
    exponential and power-law fits for the variants in ``fit``). For the CA3 network the
    overlap is the Pearson correlation of the cells firing after a half cue with the assembly,
    and the memory signal is the mean weight of the synapses inside the assembly minus the mean
    weight of all recurrent synapses (units of ``w_max``); the grey band is the noise level of
    a single Hopfield-type signal, 1/sqrt(n (n - 1) / 2).
    """
    from .forgetting import fit_forgetting

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14.5, 4.8), constrained_layout=True)
    n = int(_first(table, "n"))
    names = {"bounded": "Hopfield, learning within bounds", "decay": "Hopfield, weight decay",
             "storkey": "Storkey rule", "hebbian": "Hebbian (no forgetting)", "cascade": "cascade synapses",
             "binary": "binary synapses", "willshaw": "Willshaw + random depression",
             "ca3": "spiking CA3, STDP overwriting (correlation)"}
    colors = dict(zip(names, plt.cm.tab10(np.arange(len(names)))))
    colors["ca3"] = (0.0, 0.0, 0.0, 1.0)
    for g, (t, m, e, _) in _age_curves(table, "m", by).items():
        ax1.errorbar(t, m, yerr=e, marker="s" if g == "ca3" else "o", ms=3.5, lw=2.0 if g == "ca3" else 1.3,
                     color=colors.get(g), label=names.get(g, str(g)))
    ax1.axvline(0.05 * n, color="gray", ls="--", lw=1)
    ax1.text(0.05 * n, 0.02, " 0.05 n", color="gray", fontsize=8)
    ax1.set_xscale("log")
    ax1.set_ylim(-0.02, 1.05)
    ax1.set_xlabel("age + 1 (patterns stored after it, plus one)")
    ax1.set_ylabel("final overlap m (CA3: correlation)")
    ax1.set_title("recall of each pattern against its age (legend on the right)", fontsize=10)
    trials = len({r["trial"] for r in table})
    floor = 1.0 / np.sqrt(n * (n - 1) / 2.0)
    for g, (t, s, e, size) in _age_curves(table, "sig", by).items():
        col = colors.get(g)
        ok = s > 0
        ax2.errorbar(t[ok], s[ok], yerr=e[ok], fmt="s" if g == "ca3" else "o", ms=3.5, color=col,
                     label=names.get(g, str(g)))
        if g in fit:
            use = s > 3.0 * floor / np.sqrt(size * max(trials, 1))
            if use.sum() >= 3:
                f = fit_forgetting(t[use], s[use])
                tt = np.geomspace(t[use].min(), t[use].max(), 100)
                ax2.plot(tt, f["pow_amp"] * tt ** -f["pow_gamma"], "-", color=col, lw=1.2,
                         label=rf"{g}: power law $t^{{-{f['pow_gamma']:.2f}}}$ (SSE {f['pow_sse']:.2f})")
                ax2.plot(tt, f["exp_amp"] * np.exp(-tt / f["exp_tau"]), ":", color=col, lw=1.4,
                         label=rf"{g}: exponential $\tau$ = {f['exp_tau']:.0f} (SSE {f['exp_sse']:.2f}): "
                               f"{f['better']} fits better")
    ax2.axhspan(1e-6, floor, color="0.85", zorder=0)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_ylim(bottom=max(1e-5, floor / 10))
    ax2.set_xlabel("age + 1 (patterns stored after it, plus one)")
    ax2.set_ylabel("memory signal (Hopfield-type: "
                   r"$\langle w_{ij}\xi_i\xi_j\rangle / w_{rms}$; CA3: $(\bar w_{in} - \bar w)/w_{max}$)",
                   fontsize=8.5)
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax2.set_title("memory signal with exponential and power-law fits", fontsize=10)
    fig.suptitle(f"{title} (n = {n}, {int(_first(table, 'stored'))} patterns stored one after another)",
                 fontsize=11)
    return fig


def dense_hebbian_phase(
    table: Sequence[dict],
    *,
    x: str = "m",
    y: str = "r",
    value: str = "m_archetype",
    by: str = "protocol",
    rho_levels: Sequence[float] = (0.1, 0.3, 1.0, 3.0),
    title: str = "Dense Hebbian learning: archetype retrieval over (example quality r, examples M)",
) -> plt.Figure:
    """Archetype overlap over (M, r), one panel per protocol, with the dataset entropy and theory.

    Colour: the Mattis overlap with the unseen archetype after Monte Carlo started at it
    (simulation). White dashed: contours of the dataset entropy ``rho = (1 - r**2) / (M r**2)``.
    Black: the low-load mean-field threshold (:func:`assoc.theory.dense_hebbian_overlap`):
    at finite noise the retrieval solution appears discontinuously, and the line is where it
    starts to exist; at zero noise there is no threshold and the line is the theory's
    ``m = 0.5`` contour.
    """
    groups = sorted({r[by] for r in table}, key=str) if by in table[0] else [None]
    fig, axes = plt.subplots(1, len(groups), figsize=(6.2 * len(groups) + 1.2, 5), constrained_layout=True,
                             squeeze=False)
    r0 = table[0]
    beta = r0["beta"]
    beta = None if (isinstance(beta, float) and np.isinf(beta)) else float(beta)
    order = int(r0["order"])
    mesh = None
    for ax, g in zip(axes[0], groups):
        rows = [r for r in table if g is None or r[by] == g]
        ms, rs, z = _grid2d(rows, x, y, value)
        mesh = ax.pcolormesh(_log_edges(ms), _edges(rs), z, cmap="cividis", vmin=0, vmax=1, shading="flat")
        mm = np.unique(np.round(np.geomspace(ms.min(), ms.max(), 70)).astype(int))
        rr = np.linspace(rs.min(), rs.max(), 70)
        rr = rr[rr != 0]
        th = np.array([[theory.dense_hebbian_overlap(float(r), int(m_), beta, order)[0] for m_ in mm] for r in rr])
        lev = 0.25 if beta is not None else 0.5
        for col, lw in (("w", 3.0), ("k", 1.5)):
            ax.contour(mm, rr, th, levels=[lev], colors=col, linewidths=lw)
        grid_m, grid_r = np.meshgrid(mm, rr)
        rho = (1 - grid_r**2) / (grid_m * grid_r**2)
        cs = ax.contour(mm, rr, rho, levels=list(rho_levels), colors="w", linestyles="--", linewidths=1.0)
        ax.clabel(cs, fmt=lambda v: rf"$\rho$={v:g}", fontsize=7.5)
        ax.set_xscale("log")
        ax.set_xlabel("examples per archetype M")
        ax.set_ylabel("example quality r")
        ax.set_title(f"{g}" if g is not None else "", fontsize=10)
    ax = axes[0][0]
    ax.plot([], [], "k-", label=("mean-field threshold: retrieval solution appears (theory)" if beta is not None
                                 else "mean-field m = 0.5 (theory)"))
    ax.plot([], [], "w--", label=r"dataset entropy $\rho=(1-r^2)/(M r^2)$")
    ax.legend(fontsize=7.5, loc="upper right", facecolor="0.6", framealpha=0.9)
    if mesh is not None:
        fig.colorbar(mesh, ax=axes[0].tolist(), label=f"simulated overlap with the archetype ({value})")
    temp = "0" if beta is None else f"{1 / beta:.3g}"
    fig.suptitle(f"{title}\nn = {int(r0['n'])}, P = {order}-body couplings, {int(r0['k'])} archetypes, "
                 f"noise 1/beta = {temp}", fontsize=10.5)
    return fig
