"""Spiking CA3 memories: the raster of a published CAM experiment, CAM recall, and completion,
capacity and forgetting of the scalable network."""

from __future__ import annotations

from typing import Sequence

import matplotlib
import numpy as np

from .. import theory
from ..metrics import aggregate, transition_points
from ._common import _first, _palette, _series, plt
from ._registry import figure_kind


#: Bands of the raster, bottom to top: label and the spike-table columns drawn in it.
_CAM_BANDS = (("IN", ("INcue", "INcont")), ("CueCue", ("CA3cueCueRecall",)), ("ContCue", ("CA3contCueRecall",)),
              ("ContCond", ("CA3contCond",)), ("ContCondInt", ("CA3contCondInt",)),
              ("CueCont", ("CA3cueContRecall",)), ("ContCont", ("CA3contContRecall",)),
              ("MergeCue", ("CA3MergeCue",)), ("MergeCont", ("CA3MergeCont",)), ("OUT", ("OUTcue", "OUTcont")))


def _cam_row(table: Sequence[dict], experiment: str | None) -> dict:
    """The row of ``experiment`` in a ``cam_experiment`` table (the only row when None)."""
    names = sorted({str(r.get("experiment")) for r in table})
    rows = [r for r in table if experiment is None or r.get("experiment") == experiment]
    if not rows:
        raise ValueError(f"figure.experiment must be one of the experiments in the table, {names}, "
                         f"got {experiment!r}")
    if len({r.get("experiment") for r in rows}) > 1:
        raise ValueError(f"the table holds several experiments, {names}: set figure.experiment to one of them")
    row = rows[0]
    needed = [f"raster_{c}" for _, cols in _CAM_BANDS for c in cols] + ["n_cues", "n_content", "duration_ms"]
    missing = [k for k in needed if k not in row]
    if missing:
        raise ValueError(f"the table has no column(s) {missing}: it is not a table of the cam_experiment driver "
                         "that records spikes; run the sweep into a new store")
    return row


@figure_kind("ca3_cam_raster", columns=("experiment", "n_cues", "n_content", "duration_ms", "raster_*"))
def ca3_cam_raster(
    table: Sequence[dict],
    *,
    experiment: str | None = None,
    title: str | None = None,
) -> plt.Figure:
    """Raster of a published CA3 CAM experiment as simulated by :mod:`assoc.memories.spiking.cam`.

    One band per population (input, the eight CA3 populations, output), neurons stacked within
    a band; vertical lines mark the start of each operation. ``table`` is a ``cam_experiment``
    sweep table: the row of ``experiment`` (the only row when None) holds the spikes of every
    population (``raster_<column>``), the network size and the duration.
    """
    from ..experiments.spiking import spike_column_from_text

    row = _cam_row(table, experiment)
    spikes = {c: spike_column_from_text(row[f"raster_{c}"]) for _, cols in _CAM_BANDS for c in cols}
    C, M = int(row["n_cues"]), int(row["n_content"])
    cue_side = ("INcue", "CA3cueCueRecall", "CA3cueContRecall", "CA3MergeCue", "OUTcue")
    sizes = {c: C if c in cue_side else M for _, cols in _CAM_BANDS for c in cols}
    sizes["CA3contCondInt"] = 1
    fig, ax = plt.subplots(figsize=(11, 7), constrained_layout=True)
    colors = plt.cm.tab10(np.linspace(0, 1, len(_CAM_BANDS)))
    y0, ticks = 0, []
    starts = sorted(set(spikes["INcue"]) | set(spikes["INcont"]))
    ops = [t for k, t in enumerate(starts) if k == 0 or starts[k - 1] != t - 1]
    for (label, cols), color in zip(_CAM_BANDS, colors):
        top = y0
        for k, c in enumerate(cols):
            ts = np.array([t for t, idx in sorted(spikes[c].items()) for _ in idx], dtype=np.int64)
            idx = np.array([i for _, ids in sorted(spikes[c].items()) for i in ids], dtype=np.int64)
            ax.scatter(ts, top + idx, s=22, marker="s" if k == 0 else "D", color=color, edgecolors="none")
            top += sizes[c]
        ticks.append(((y0 + top - 1) / 2, label))
        ax.axhline(top - 0.5, color="0.85", lw=0.6)
        y0 = top
    for t in ops:
        ax.axvline(t - 0.5, color="0.6", lw=0.6, ls=":")
        cue, cont = spikes["INcue"].get(t), spikes["INcont"].get(t)
        kind = "learn" if (cue and cont) else ("by cue" if cue else "by content")
        ax.text(t, y0 - 0.3, kind, fontsize=7, color="0.3", va="bottom")
    ax.set_yticks([p for p, _ in ticks], [lab for _, lab in ticks])
    ax.set_ylim(-0.5, y0 + 1.5)
    ax.set_xlim(-1, row["duration_ms"])
    ax.set_xlabel("time (ms)")
    ax.set_title(title or f"CA3 content-addressable memory (Casanueva-Morato et al. 2024): {row['experiment']}")
    ax.text(0.995, -0.08, "squares: cue half / diamonds: content half of IN and OUT; dotted: operation starts",
            transform=ax.transAxes, ha="right", va="top", fontsize=8, color="0.3")
    return fig


@figure_kind("ca3_completion", columns=("cue_fraction", "m_mean", "patterns", "m_cue", "retrieved", "n", "p", "a"))
def ca3_completion(table: Sequence[dict], *, x: str = "cue_fraction", y: str = "m_mean", by: str = "patterns",
                   title: str = "Spiking CA3: pattern completion from partial cues") -> plt.Figure:
    """Final overlap against the fraction of the assembly cued: correlation of the cells active
    after the cue with the cued pattern.

    Left: final overlap per number of stored patterns, with the overlap of the cue itself
    (``m_cue``, dashed): points above it are completed by the recurrent dynamics. Right: the
    fraction of probes retrieved (``retrieved``). With ``x = "cue_fraction"`` (the fraction
    erased) the axis shows the fraction cued, 1 - cue_fraction.
    """
    if x == "cue_fraction":  # plot against the part of the assembly kept in the cue
        table = [dict(r, cued=round(1.0 - float(r[x]), 12)) for r in table]
        x = "cued"
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


#: The band the inhibition should hold the active fraction in: within this factor of the coding level.
ACTIVITY_FACTOR = 1.5


def ca3_capacity_points(table: Sequence[dict], *, x: str = "patterns", y: str = "retrieved", by: str = "a",
                        level: float = 0.5, k: float = theory.TREVES_ROLLS_K) -> dict:
    """Per coding level (``by``), what the ``ca3_capacity`` figure draws and its summary quotes.

    ``{"a": [...], "p_max": [...], "C": [...], "theory": [...], "ratio": [...], "activity": [...]}``:
    the stored patterns where the trial-mean ``y`` falls through ``level`` (NaN where it never
    does), the mean recurrent synapses per cell, the Treves-Rolls capacity ``k C / (a ln(1/a))``
    with the theory's own ``k`` (:data:`assoc.theory.TREVES_ROLLS_K`, not fitted), the ratio
    measured / theory, and ``{P: trial-mean active fraction / a}`` over the swept loads (where
    the table has ``active_fraction``).
    """
    pts = transition_points(table, x=x, y=y, by=by, level=level)
    C_of = {g: m for (g,), (m, _, _) in aggregate(table, [by], "C").items()}
    act = aggregate([r for r in table if "active_fraction" in r], [by, x], "active_fraction")
    gs = sorted(pts)
    out: dict = {"a": [float(g) for g in gs], "p_max": [float(pts[g]) for g in gs],
                 "C": [float(C_of.get(g, np.nan)) for g in gs], "k": float(k)}
    out["theory"] = [float(theory.treves_rolls_capacity(c, g, k)) for c, g in zip(out["C"], out["a"])]
    out["ratio"] = [pm / th for pm, th in zip(out["p_max"], out["theory"])]
    out["activity"] = [{int(xv): float(m) / float(g) for (gg, xv), (m, _, _) in sorted(act.items()) if gg == g}
                       for g in gs]
    return out


@figure_kind("ca3_capacity", columns=("patterns", "retrieved", "a", "C", "n", "p", "active_fraction"))
def ca3_capacity(table: Sequence[dict], *, x: str = "patterns", y: str = "retrieved", by: str = "a",
                 level: float = 0.5, title: str = "Spiking CA3: capacity vs coding level") -> plt.Figure:
    """Retrieval against the number of stored patterns for several coding levels ``a`` (left);
    the capacity ``P_max`` (stored patterns where the fraction of probes retrieved falls through
    ``level``) against ``a`` with the Treves-Rolls capacity ``k C / (a ln(1/a))`` (middle); and
    the mean fraction of cells active in the read window over ``a`` against the load (right).

    The theory is drawn with its own constant, nothing fitted to the points: ``k = 0.2``
    (:data:`assoc.theory.TREVES_ROLLS_K`), the low end of the 0.2-0.3 that Treves & Rolls (1991)
    and Rolls & Treves (1998) give for threshold-linear units with a covariance rule, with the
    0.2-0.3 band shaded; each point is labelled with its ratio measured / theory (k = 0.2). The
    right panel shades the band ``a / 1.5 ... 1.5 a`` that the inhibition should hold the
    activity in (the theory sets the threshold so that a fraction a of the cells fires).
    """
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(14, 4.2), constrained_layout=True)
    series = _series(table, x, y, by)
    colors = dict(zip(series, _palette(len(series))))
    for g, (xs, ms, es) in series.items():
        ax1.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=colors[g], label=f"{by} = {g:g}")
    ax1.axhline(level, color="gray", lw=0.8, ls=":")
    ax1.set_xscale("log")
    ax1.set_xlabel("stored patterns P")
    ax1.set_ylabel(f"fraction retrieved ({y})")
    ax1.set_ylim(-0.02, 1.05)
    ax1.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax1.legend(fontsize=8)

    cap = ca3_capacity_points(table, x=x, y=y, by=by, level=level)
    ok = [i for i, v in enumerate(cap["p_max"]) if np.isfinite(v)]
    gs = np.array([cap["a"][i] for i in ok])
    pm = np.array([cap["p_max"][i] for i in ok])
    C = float(np.nanmean(cap["C"])) if cap["C"] else float("nan")
    if len(cap["a"]):
        aa = np.geomspace(min(cap["a"]) * 0.85, max(cap["a"]) * 1.15, 200)
        lo, hi = theory.TREVES_ROLLS_K_RANGE
        ax2.fill_between(aa, theory.treves_rolls_capacity(C, aa, lo), theory.treves_rolls_capacity(C, aa, hi),
                         color="0.85", lw=0, label=f"Treves-Rolls, k = {lo:g}-{hi:g}")
        ax2.plot(aa, theory.treves_rolls_capacity(C, aa, cap["k"]), "k--", lw=1.2,
                 label=f"k C / (a ln 1/a), k = {cap['k']:g} (theory, not fitted)")
    for i in ok:
        g = cap["a"][i]
        ax2.plot(g, cap["p_max"][i], "o", color=colors.get(g, "C0"))
        ax2.annotate(f"{cap['ratio'][i]:.2f}", (g, cap["p_max"][i]), textcoords="offset points", xytext=(5, -11),
                     fontsize=7, color="0.25")
    ax2.plot([], [], "o", color="0.4", label="simulation (half retrieved); label: measured / theory")
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax2.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax2.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax2.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    if len(cap["a"]):
        ax2.set_xticks(cap["a"], [f"{g:g}" for g in cap["a"]])
    ax2.set_xlabel("coding level a")
    ax2.set_ylabel("capacity P_max")
    ax2.legend(fontsize=7, loc="upper right")

    ax3.axhspan(1 / ACTIVITY_FACTOR, ACTIVITY_FACTOR, color="0.9", lw=0, label=f"a / {ACTIVITY_FACTOR:g} ... "
                f"{ACTIVITY_FACTOR:g} a")
    ax3.axhline(1.0, color="gray", lw=0.8, ls=":")
    for g, act in zip(cap["a"], cap["activity"]):
        if act:
            ax3.plot(list(act), list(act.values()), marker="o", ms=3, lw=1.2, color=colors.get(g, "C0"),
                     label=f"{by} = {g:g}")
    ax3.set_xscale("log")
    ax3.set_yscale("log")
    seen = [v for act in cap["activity"] for v in act.values() if np.isfinite(v) and v > 0]
    ax3.set_ylim(min([0.5, *seen]) / 1.1, max([2.0, *seen]) * 1.1)
    ax3.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax3.yaxis.set_major_locator(matplotlib.ticker.FixedLocator([0.5, 0.67, 1.0, 1.5, 2.0, 3.0, 5.0]))
    ax3.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax3.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax3.set_xlabel("stored patterns P")
    ax3.set_ylabel("active fraction / a (read window)")
    ax3.legend(fontsize=7)
    n, p = _first(table, "n"), _first(table, "p")
    k2, k_inh = _first(table, "k_inh2"), _first(table, "k_inh")
    quad = f"{k2:g} (a/0.1)^{_first(table, 'k_inh2_exponent', 0.0):g} A^2"
    inh = (f"inhibition {k_inh:g} A + {quad}" if k2 and k_inh else f"inhibition {quad}" if k2
           else f"linear inhibition k_inh = {k_inh:g}")
    fig.suptitle(f"{title} (n = {n}, p = {p}, C = {C:.0f}; {inh})", fontsize=11)
    return fig


@figure_kind("ca3_forgetting", columns=("eta_minus", "m_age_*", "ok_age_*", "n", "p", "a"))
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


@figure_kind("ca3_cam_recall", columns=("op_ms", "coding", "cue_exact", "fragment_exact", "n_cues", "n_content",
                                        "overwrite"))
def ca3_cam_recall(table: Sequence[dict], *, x: str = "op_ms", by: str = "coding",
                   title: str = "Spiking CA3 CAM: exact recall vs spacing of operations") -> plt.Figure:
    """Fraction of cues recalled exactly (left) and of one-bit fragments returning exactly the
    cues that hold the bit (right) against the time between operations, one curve per content
    coding level. Below about 3 STDP time constants (tau = 3 ms) apart, learning operations depress
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
