"""Cross-family figures: every registered family through the same measurement, on the same axes.

The tables come from the four measurement drivers of :mod:`assoc.experiments.measurements`
swept over a ``family`` (or ``model``) grid axis. Theory is drawn where it exists for a
family, from :mod:`assoc.theory`, never fitted to the points it is compared with.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import theory
from ..registry import get_family
from ._common import _series, plt
from ._registry import figure_kind


def _colors(groups) -> dict:
    cmap = plt.cm.tab20 if len(groups) > 10 else plt.cm.tab10
    return {g: cmap(i % cmap.N) for i, g in enumerate(groups)}


def _groups(table: Sequence[dict], by: str) -> tuple[list, dict]:
    """The ``by`` groups in registry order of their families, and ``{group: errorbar style}``:
    a colour each, the fast-weight memories of sequence models dashed with square markers."""
    from ..registry import families

    order = {name: i for i, name in enumerate(families())}
    fam_of = {}
    for r in table:
        fam_of.setdefault(r[by], r.get("family"))
    groups = sorted(fam_of, key=lambda g: (order.get(fam_of[g], len(order)), str(g)))
    colors = _colors(groups)
    style = {}
    for g in groups:
        fam = fam_of[g]
        rule = fam in order and str(get_family(fam).target).startswith("assoc.memories.fastweight:")
        style[g] = {"color": colors[g], "ls": "--" if rule else "-", "marker": "s" if rule else "o"}
    return groups, style


def _rows_of(table: Sequence[dict], by: str, g) -> list[dict]:
    return [r for r in table if r.get(by) == g]


def _family_params(row: dict) -> tuple:
    """(family, its declared parameters as given in the row)."""
    fam = get_family(row["family"])
    return fam, {k: v for k, v in row.items() if k in fam.params}


def _coding(row: dict) -> float:
    fam, own = _family_params(row)
    return fam.coding_level(int(row["n"]), own, row.get("coding"))


def _capacity_theory(row: dict, ns: np.ndarray):
    """(label, patterns per neuron at each n) of the family's capacity theory, or None."""
    fam, own = _family_params(row)
    if fam.name == "hopfield" and own.get("rule", "hebbian") == "hebbian":
        return r"AGS $\alpha_c$ = 0.138", np.full(len(ns), theory.ags_alpha_c())
    if fam.name == "dense" and own.get("energy", "polynomial") == "polynomial":
        d = int(own.get("degree", fam.params["degree"].default))
        return f"Krotov-Hopfield error-free bound (degree {d})", theory.dense_capacity(ns, d) / ns
    if fam.name == "willshaw":
        k = np.array([max(2.0, round(_coding({**row, "n": int(n)}) * n)) for n in ns])  # active units at each n
        return r"Willshaw $\ln 2\,(n/k)^2$ (half the synapses set)", np.log(2) * (ns / k) ** 2 / ns
    if fam.name == "linear_attention" and own.get("feature_map", "identity") == "identity" \
            and not own.get("decay", 0.0):
        f = float(row.get("cue_fraction", 0.0))
        c = {"flip": 1 - 2 * f, "erase": np.sqrt(1 - f), "random": 1 - f}[row.get("cue", "flip")]
        a = theory.linear_attention_critical_load(row.get("retrieval_threshold") or fam.threshold, c)
        if np.isfinite(a):
            return f"linear attention, large-n cosine theory (cue overlap {c:.2g})", a + 1.0 / ns
    if fam.name == "ca3":
        a, p = float(own.get("a", 0.05)), float(own.get("p", 0.1))
        return ("Treves-Rolls k C / (a ln 1/a), k = 0.2 (not fitted)",
                theory.treves_rolls_capacity(p * ns, a) / ns)
    return None


@figure_kind("family_capacity", columns=("family", "n", "patterns_per_n_c", "bits_per_synapse_max", "censored"))
def family_capacity(
    table: Sequence[dict],
    *,
    by: str = "family",
    title: str = "Capacity of every family under one protocol",
) -> plt.Figure:
    """Critical load in patterns per neuron, and the information retrieved per synapse, against n.

    One series per ``by`` group (trial mean +/- s.e. of the disorder samples of the
    ``critical_load`` driver). Left: patterns per neuron where the fraction retrieved falls
    through 1/2, with each family's theory dotted where it exists (AGS; Krotov & Hopfield's
    error-free bound; Willshaw's half-full matrix; Treves & Rolls with k = 0.2). Right: the
    largest information retrieved per synapse over the loads, with Willshaw's ln 2 / 2 for
    auto-association (Palm 1980) and the AGS information capacity of the Hebbian network.
    Points whose crossing lay outside the swept loads (censored) are drawn hollow.
    """
    groups, style = _groups(table, by)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13.5, 5.0), constrained_layout=True)
    for g in groups:
        rows = _rows_of(table, by, g)
        col = style[g]["color"]
        for ax, y in ((ax1, "patterns_per_n_c"), (ax2, "bits_per_synapse_max")):
            ser = _series(rows, "n", y, None).get(None)
            if ser is None:
                continue
            xs, ms, es = ser
            ok = np.isfinite(ms) & (ms > 0)
            if not ok.any():
                continue
            cens = _series(rows, "n", "censored", None)[None][1] > 0
            ax.errorbar(xs[ok], ms[ok], yerr=es[ok], **style[g], ms=4, lw=1.4, label=str(g),
                        mfc="white" if cens[ok].all() else col)
        th = _capacity_theory(rows[0], np.asarray(sorted({r["n"] for r in rows}), dtype=float))
        if th is not None:
            ns = np.asarray(sorted({r["n"] for r in rows}), dtype=float)
            ax1.plot(ns, th[1], ":", color=col, lw=1.6, label=f"  {th[0]}")
    ax2.axhline(theory.willshaw_capacity_limit(auto=True), color="0.3", ls="--", lw=1.2,
                label=r"Willshaw limit $\ln 2 / 2$ (auto)")
    ax2.axhline(theory.ags_information_capacity(), color="0.6", ls=":", lw=1.4,
                label=f"Hebbian, AGS information capacity ({theory.ags_information_capacity():.3f})")
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("n (neurons)")
    ax1.set_ylabel("patterns per neuron at the critical load")
    ax2.set_ylabel("bits retrieved per synapse (max over loads)")
    ax1.set_title("critical load (fraction retrieved = 1/2)", fontsize=10)
    ax2.set_title("bits per synapse", fontsize=10)
    ax1.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(0.0, -0.14), ncol=2)
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.14), ncol=2)
    fig.suptitle(title, fontsize=11)
    return fig


@figure_kind("family_interference", columns=("family", "c", "item_overlap", "m_mean", "retrieved", "pred_error"))
def family_interference(
    table: Sequence[dict],
    *,
    by: str = "family",
    title: str = "Interference: retrieval of correlated items, every family",
) -> plt.Figure:
    """Final overlap and fraction retrieved against the measured overlap between stored siblings.

    Items come in groups of siblings around a parent (correlation ``c`` with the parent,
    generated in each family's alphabet); the x axis is the measured mean overlap between
    siblings, so families with different alphabets share it. For the Hebbian Hopfield
    network the one-step signal-to-noise prediction 1 - 2 P(bit unstable) is dotted.
    """
    groups, style = _groups(table, by)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13.0, 4.8), constrained_layout=True)
    for g in groups:
        rows = _rows_of(table, by, g)
        col = style[g]["color"]
        xs = _series(rows, "c", "item_overlap", None)[None][1]
        for ax, y in ((ax1, "m_mean"), (ax2, "retrieved")):
            _, ms, es = _series(rows, "c", y, None)[None]
            ax.errorbar(xs, ms, yerr=es, **style[g], ms=3.5, lw=1.3, label=str(g))
        pred = _series(rows, "c", "pred_error", None).get(None)  # absent where the family has no theory
        if pred is not None and len(pred[1]) == len(xs):
            ax1.plot(xs, 1 - 2 * pred[1], ":", color=col, lw=1.8, label="  Hebbian signal-to-noise, one step")
    for ax in (ax1, ax2):
        ax.set_xlabel("measured overlap between stored siblings")
        ax.set_ylim(-0.05, 1.05)
    ax1.set_ylabel("final overlap with the cued item")
    ax2.set_ylabel("fraction retrieved")
    ax1.legend(fontsize=7, loc="lower left", ncol=2)
    n = sorted({r["n"] for r in table})
    fig.suptitle(f"{title} (n = {', '.join(map(str, n))})", fontsize=11)
    return fig


@figure_kind("family_fragments", columns=("family", "cue", "cue_fraction", "m_mean", "m0"))
def family_fragments(
    table: Sequence[dict],
    *,
    by: str = "family",
    title: str = "Retrieval from fragments: every family, one panel per cue corruption",
) -> plt.Figure:
    """Final overlap against the fraction of the cue corrupted, one panel per cue kind.

    Solid: final overlap with the stored item after recall; dotted grey: the overlap of the
    cue itself (m0, the same for every family of an alphabet), so a curve above it is
    pattern completion and one below it loses information.
    """
    cues = sorted({r["cue"] for r in table})
    groups, style = _groups(table, by)
    colors = {g: st["color"] for g, st in style.items()}
    fig, axes = plt.subplots(1, len(cues), figsize=(6.3 * len(cues), 4.8), constrained_layout=True, squeeze=False)
    names = {"erase": "erased (set to 0 / silenced)", "random": "replaced at random", "flip": "flipped"}
    for ax, cue in zip(axes[0], cues):
        sub = [r for r in table if r["cue"] == cue]
        for g in groups:
            rows = _rows_of(sub, by, g)
            if not rows:
                continue
            xs, ms, es = _series(rows, "cue_fraction", "m_mean", None)[None]
            ax.errorbar(xs, ms, yerr=es, **style[g], ms=3.5, lw=1.3, label=str(g))
            ax.plot(xs, _series(rows, "cue_fraction", "m0", None)[None][1], ":", color=colors[g], lw=0.9,
                    alpha=0.6)
        ax.plot([], [], ":", color="0.4", label="cue overlap m0 (per family, thin)")
        ax.set_xlabel(f"fraction of the cue {names.get(cue, cue)}")
        ax.set_ylabel("final overlap with the stored item")
        ax.set_ylim(-0.05, 1.05)
        ax.set_title(f"cue: {cue}", fontsize=10)
    axes[0][0].legend(fontsize=7, loc="lower left", ncol=2)
    fig.suptitle(title, fontsize=11)
    return fig
