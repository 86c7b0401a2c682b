"""Hopfield networks: retrieval against load, the (alpha, T) phase diagram, basins of attraction,
finite-size capacity, learning rules and the interference of correlated patterns."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import theory
from ..metrics import transition_points
from ._common import _edges, _first, _grid2d, _palette, _series, plt
from ._registry import figure_kind


@figure_kind("capacity_curve", columns=("alpha", "m_mean", "n", "retrieved"))
def capacity_curve(
    table: Sequence[dict],
    *,
    x: str = "alpha",
    y: str = "m_mean",
    by: str = "n",
    success: str = "retrieved",
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


@figure_kind("ags_phase_diagram", columns=("alpha", "temperature", "m_mean", "n"))
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


@figure_kind("basins_map", columns=("cue_fraction", "alpha", "m_mean", "cue", "n"))
def basins_map(
    table: Sequence[dict],
    *,
    x: str = "cue_fraction",
    y: str = "alpha",
    value: str = "m_mean",
    by: str = "cue",
    level: float = 0.9,
    title: str = "Basins of attraction: final overlap vs cue corruption and load",
) -> plt.Figure:
    """Final overlap over (fraction of the cue corrupted, load), one panel per cue corruption (``by``).

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
        ax.set_xlabel("fraction of the cue corrupted")
        ax.set_ylabel(r"load $\alpha = P/n$")
        ax.set_title(labels.get(g, str(g)), fontsize=10)
        ax.legend(fontsize=8, loc="upper left", framealpha=0.85)
    fig.colorbar(mesh, ax=axes[0].tolist(), label="final overlap m (simulation)")
    fig.suptitle(f"{title} (n = {_first(table, 'n')}, {_first(table, 'family', 'hopfield')})", fontsize=11)
    return fig


def _fit(model, ns, means, sems, p0, bounds):
    """Weighted least squares of ``model`` through ``(ns, means)`` with standard errors
    ``sems``: ``(params, errors, chi2, dof)``, the errors from the covariance at the given
    standard errors (not yet scaled by the misfit). A model with 2 parameters is the straight
    line ``a0 + a n^-1/2``, solved in closed form."""
    if len(p0) == 2:
        x = ns ** -0.5
        design = np.stack([np.ones_like(x), x], axis=1) / sems[:, None]
        cov = np.linalg.inv(design.T @ design)
        popt = cov @ (design.T @ (means / sems))
        pcov = cov
    else:
        from scipy.optimize import curve_fit

        popt, pcov = curve_fit(model, ns, means, p0=p0, sigma=sems, absolute_sigma=True, bounds=bounds,
                               maxfev=20000)
    chi2 = float((((means - model(ns, *popt)) / sems) ** 2).sum())
    return popt, np.sqrt(np.diag(pcov)), chi2, len(ns) - len(popt)


def finite_size_fit(ns, means, sems, *, free: bool = True) -> dict:
    """Extrapolation of the critical load to n -> infinity: ``alpha_c(n) = alpha_inf + a n^-b``.

    Two weighted fits of the per-size means with their standard errors: the exponent fixed at
    b = 1/2 (``"fixed"``) and free (``"free"``, needs 4 sizes). Each reports ``alpha_inf``,
    ``a``, ``b`` and their errors, ``chi2`` and ``dof``; where the misfit exceeds the errors
    (chi2 / dof > 1) every error is multiplied by sqrt(chi2 / dof) (``scale``), so the quoted
    error covers the scatter of the points about the curve as well as their error bars.
    Sizes whose standard error is 0 (a single sample) take the largest standard error of the
    others. Returns ``{"fixed": {...}, "free": {...} or None}`` (``free=False``: the fixed fit
    only, ``"free"`` None).
    """
    ns = np.asarray(ns, dtype=float)
    means = np.asarray(means, dtype=float)
    sems = np.asarray(sems, dtype=float)
    if len(ns) < 3:
        raise ValueError(f"the finite-size fit needs at least 3 sizes, got {len(ns)}")
    if not (sems > 0).any():
        raise ValueError("the finite-size fit needs standard errors (more than one sample per size)")
    sems = np.where(sems > 0, sems, sems[sems > 0].max())
    out = {}
    for name, model, p0, bounds, names in (
            ("fixed", lambda n, a0, a: a0 + a * n ** -0.5, (means[-1], 1.0), ([0, -np.inf], [np.inf, np.inf]),
             ("alpha_inf", "a")),
            ("free", lambda n, a0, a, b: a0 + a * n ** (-b), (means[-1] * 0.9, 1.0, 0.5),
             ([0, -np.inf, 0.05], [np.inf, np.inf, 3.0]), ("alpha_inf", "a", "b"))):
        if len(ns) <= len(p0) or (name == "free" and not free):
            out[name] = None
            continue
        try:
            popt, perr, chi2, dof = _fit(model, ns, means, sems, p0, bounds)
        except (RuntimeError, ValueError):
            out[name] = None
            continue
        scale = max(1.0, float(np.sqrt(chi2 / dof)))
        res = {"chi2": chi2, "dof": dof, "scale": scale, "model": model, "b": 0.5, "b_err": 0.0}
        for k, v, e in zip(names, popt, perr):
            res[k], res[f"{k}_err"] = float(v), float(e * scale)
        out[name] = res
    return out


@figure_kind("finite_size_capacity", columns=("n", "alpha_c"))
def finite_size_capacity(
    table: Sequence[dict],
    *,
    x: str = "n",
    y: str = "alpha_c",
    by: str | None = None,
    title: str = "Finite-size capacity: critical load vs network size",
) -> plt.Figure:
    """Critical load per network size (mean +/- s.e.m. over disorder samples) with the fits
    ``alpha_c(n) = alpha_inf + a n^-b`` of :func:`finite_size_fit` (b free, and b = 1/2: a
    straight line in n^-1/2), each with its chi^2 and its errors scaled by the misfit, and the
    AGS value 0.138; plotted against n^-1/2."""
    series = _series(table, x, y, by)
    fig, ax = plt.subplots(figsize=(7, 4.6), constrained_layout=True)
    colors = plt.cm.viridis(np.linspace(0.1, 0.8, max(1, len(series))))
    for c, (g, (ns, ms, es)) in zip(colors, series.items()):
        ns = ns.astype(float)
        lab = "simulation (mean $\\pm$ s.e.m. over samples)" + (f", {by} = {g}" if by else "")
        ax.errorbar(ns ** -0.5, ms, yerr=es, fmt="o", color=c, ms=5, capsize=3, label=lab)
        if len(ns) < 3 or not (np.asarray(es) > 0).any():
            continue
        fits = finite_size_fit(ns, ms, es)
        grid = np.geomspace(ns.min() / 2, 1e7, 200)
        for name, style in (("free", "-"), ("fixed", "-.")):
            f = fits[name]
            if f is None:
                continue
            chi = rf"$\chi^2$ = {f['chi2']:.1f} / {f['dof']} dof" + (
                f", errors x {f['scale']:.2f}" if f["scale"] > 1 else "")
            expo = (rf"b = {f['b']:.2f} $\pm$ {f['b_err']:.2f}" if name == "free" else "b = 1/2 fixed")
            ax.plot(grid ** -0.5, f["model"](grid, *([f["alpha_inf"], f["a"]] + ([f["b"]] if name == "free" else []))),
                    style, color=c, lw=1.5 if name == "free" else 1.2,
                    label=rf"fit $\alpha_\infty + a n^{{-b}}$, {expo}: $\alpha_\infty$ = {f['alpha_inf']:.3f} "
                          rf"$\pm$ {f['alpha_inf_err']:.3f} ({chi})")
    if _first(table, "rule", "hebbian") == "hebbian" and _first(table, "family", "hopfield") == "hopfield":
        ax.axhline(theory.ags_alpha_c(), color="k", ls="--", lw=1.2, label=r"AGS theory $n \to \infty$: 0.138")
    ax.set_xlim(left=0)
    ax.set_xlabel(r"$n^{-1/2}$ (network size n, neurons)")
    ax.set_ylabel(r"critical load $\alpha_c(n)$ (half of the patterns retrieved)")
    for g, (ns, ms, es) in series.items():
        for nv, mv, ev in zip(ns, ms, es):
            ax.annotate(f"n = {int(nv)}", (float(nv) ** -0.5, mv + ev), textcoords="offset points", xytext=(0, 5),
                        ha="center", fontsize=7, color="0.3")
    ax.legend(fontsize=7.5, loc="lower right")
    ax.set_title(title, fontsize=10)
    return fig


@figure_kind("rules_comparison", columns=("alpha", "m_mean", "rule", "retrieved"))
def rules_comparison(
    table: Sequence[dict],
    *,
    x: str = "alpha",
    y: str = "m_mean",
    by: str = "rule",
    success: str = "retrieved",
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
    flipped = _first(table, "cue_fraction", 0.0)
    ax1.set_ylabel(f"final overlap m (cue: stored pattern, {100 * flipped:.0f} % bits flipped)")
    ax2.set_ylabel(f"fraction retrieved ({success})")
    fig.suptitle(f"{title} (n = {int(n)}, asynchronous T = 0 dynamics)", fontsize=11)
    return fig


@figure_kind("interference_snr", columns=("c", "bit_error", "pred_error", "pred_error_random", "crosstalk_mean",
                                          "crosstalk_var", "pred_mean", "pred_var", "m_mean", "m_parent", "n",
                                          "alpha"))
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
    for c, g in zip(colors, series("m_mean")):
        lab = f" ({by} = {g})" if by else ""
        xs, ms, es = series("m_mean")[g]
        ax.errorbar(xs, ms, yerr=es, marker="o", color=c, ms=4, label="with the cued pattern" + lab)
        xs, ms, es = series("m_parent")[g]
        ax.errorbar(xs, ms, yerr=es, marker="^", ls="--", color=c, ms=4, label="with its parent" + lab)
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("correlation c")
    ax.set_ylabel("final overlap after the dynamics")
    ax.legend(fontsize=7)
    fig.suptitle(f"{title} (n = {_first(table, 'n')}, alpha = {_first(table, 'alpha')}, Hebbian)", fontsize=11)
    return fig
