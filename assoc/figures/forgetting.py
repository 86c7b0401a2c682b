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
        hi = np.r_[lo[1:], int(rows[0]["stored"])]
        vals = np.array([[r[k] for k in keys] for r in rows], dtype=float)
        sem = vals.std(axis=0, ddof=1) / np.sqrt(len(rows)) if len(rows) > 1 else np.zeros(len(keys))
        out[g] = (np.sqrt((lo + 1.0) * hi), vals.mean(axis=0), sem, hi - lo)
    return out


@figure_kind("forgetting_curves", columns=("variant", "n", "stored", "trial", "m_*", "sig_*"))
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
    from ..forgetting import fit_forgetting

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


@figure_kind("forgetting_curves_spiking", columns=("variant", "n", "stored", "trial", "m_*", "sig_*"))
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
    from ..forgetting import fit_forgetting

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
