"""Forgetting curves of palimpsest memories, with and without the spiking CA3 network."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._common import _first, plt
from ._registry import figure_kind


def _age_curves(table: Sequence[dict], prefix: str, by: str):
    """``{group: (ages + 1 at bin centres, mean, sem, bin sizes)}`` from ``prefix_<edge>`` metrics."""
    out = {}
    for g in sorted({row[by] for row in table}, key=str):
        rows = [r for r in table if r[by] == g]
        keys = sorted(k for k in rows[0] if k.startswith(prefix + "_") and k[len(prefix) + 1:].isdigit())
        if not keys:
            continue
        lo = np.array([int(k[len(prefix) + 1:]) for k in keys])
        hi = np.r_[lo[1:], int(rows[0]["patterns"])]
        vals = np.array([[r[k] for k in keys] for r in rows], dtype=float)
        sem = vals.std(axis=0, ddof=1) / np.sqrt(len(rows)) if len(rows) > 1 else np.zeros(len(keys))
        out[g] = (np.sqrt((lo + 1.0) * hi), vals.mean(axis=0), sem, hi - lo)
    return out


#: Legend names of the bundled model presets (other groups are labelled by their value).
NAMES = {
    "hopfield-palimpsest": "Hopfield, learning within bounds", "hopfield-decay": "Hopfield, weight decay",
    "hopfield-storkey": "Storkey rule", "hopfield-hebbian": "Hebbian (no forgetting)",
    "cascade": "cascade synapses", "cascade-binary": "binary synapses",
    "willshaw-palimpsest": "Willshaw + random depression", "ca3-forgetting": "spiking CA3, STDP overwriting",
    "ca3": "spiking CA3, STDP overwriting",
}


@figure_kind("forgetting_curves", columns=("model", "n", "patterns", "trial", "m_*", "sig_*"))
def forgetting_curves(
    table: Sequence[dict],
    *,
    by: str = "model",
    fit: Sequence[str] = ("cascade", "cascade-binary", "ca3-forgetting", "ca3"),
    title: str = "Forgetting curves of palimpsest memories",
) -> plt.Figure:
    """Recall and memory signal against the age of an item (items stored after it), per ``by``.

    Left: final overlap from the cue (simulation; cosine, the Mattis overlap for +/-1
    items), with 0.05 n marked (Parisi 1986: learning within bounds keeps about 0.04-0.05 n).
    Right: memory signal (log-log) with exponential and power-law fits for the groups in
    ``fit``; the legend says which fits better (smaller residual of log signal), and the grey
    band is the noise level of a single Hopfield-type signal, 1/sqrt(n (n - 1) / 2). The
    signal is ``<w_ij x_i x_j> / w_rms`` for Hopfield-type couplings, the fraction of the
    item's synapses still set above the mean for Willshaw, and the mean weight inside the
    assembly above the mean weight (units of w_max) for the spiking CA3 network.
    """
    from ..memories.cascade import fit_forgetting

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14.5, 4.8), constrained_layout=True)
    n = int(_first(table, "n"))
    groups = sorted({row[by] for row in table}, key=str)
    colors = dict(zip(groups, plt.cm.tab10(np.arange(len(groups)) % 10)))
    for g, (t, m, e, _) in _age_curves(table, "m", by).items():
        ax1.errorbar(t, m, yerr=e, marker="o", ms=3, lw=1.3, color=colors.get(g), label=NAMES.get(g, str(g)))
    ax1.axvline(0.05 * n, color="gray", ls="--", lw=1)
    ax1.text(0.05 * n, 0.02, " 0.05 n", color="gray", fontsize=8)
    ax1.set_xscale("log")
    ax1.set_ylim(-0.02, 1.05)
    ax1.set_xlabel("age + 1 (items stored after it, plus one)")
    ax1.set_ylabel("final overlap m (simulation)")
    ax1.legend(fontsize=8, loc="center right")
    ax1.set_title("recall of each item against its age", fontsize=10)
    trials = len({r["trial"] for r in table})
    floor = 1.0 / np.sqrt(n * (n - 1) / 2.0)
    for g, (t, s, e, size) in _age_curves(table, "sig", by).items():
        col = colors.get(g)
        ok = s > 0
        ax2.errorbar(t[ok], s[ok], yerr=e[ok], fmt="o", ms=3, color=col, label=NAMES.get(g, str(g)))
        if g in fit:
            use = s > 3.0 * floor / np.sqrt(size * max(trials, 1))
            if use.sum() >= 3:
                f = fit_forgetting(t[use], s[use])
                tt = np.geomspace(t[use].min(), t[use].max(), 100)
                name = NAMES.get(g, str(g))
                ax2.plot(tt, f["pow_amp"] * tt ** -f["pow_gamma"], "-", color=col, lw=1.2,
                         label=rf"{name}: power law $t^{{-{f['pow_gamma']:.2f}}}$ (SSE {f['pow_sse']:.2f})")
                ax2.plot(tt, f["exp_amp"] * np.exp(-tt / f["exp_tau"]), ":", color=col, lw=1.4,
                         label=rf"{name}: exponential $\tau$ = {f['exp_tau']:.0f} (SSE {f['exp_sse']:.2f}): "
                               f"{f['better']} fits better")
    ax2.axhspan(1e-6, floor, color="0.85", zorder=0)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_ylim(bottom=max(1e-5, floor / 10))
    ax2.set_xlabel("age + 1 (items stored after it, plus one)")
    ax2.set_ylabel("memory signal (simulation)")
    ax2.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax2.set_title("memory signal with exponential and power-law fits", fontsize=10)
    fig.suptitle(f"{title} (n = {n}, {int(_first(table, 'patterns'))} items stored one after another)", fontsize=11)
    return fig
