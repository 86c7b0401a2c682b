"""Dense associative memories: capacity scaling, the exponential memory, modern Hopfield
regimes, dense Hebbian learning, multitasking, and the (degree, load) and (r, M) phase maps."""

from __future__ import annotations

from typing import Sequence

import matplotlib
import numpy as np

from .. import theory
from ..metrics import aggregate, transition_points
from ._common import _edges, _first, _grid2d, _series, plt
from ._registry import figure_kind


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


@figure_kind("dense_capacity_scaling", columns=("degree", "n", "patterns_max"))
def dense_capacity_scaling(table: Sequence[dict], *, title: str = "Dense associative memory: capacity vs n"):
    """Largest near-perfect pattern count ``patterns_max`` against n on log-log axes, one colour per degree.

    Points: trial means (error bars: standard error) from the ``dense_capacity`` driver; solid
    lines: least-squares power laws, slope in the legend next to the expected degree - 1;
    dashed: Krotov-Hopfield error-free capacity ``n**(d-1) / (2 (2d-3)!! ln n)``; dotted: the
    one-step signal-to-noise load at which the bit-error rate is ``(1 - m_c) / 2``.
    """
    from scipy.special import erfcinv

    fig, ax = plt.subplots(figsize=(6.5, 4.8), constrained_layout=True)
    agg = aggregate(table, ["degree", "n"], "patterns_max")
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


@figure_kind("dense_exponential_capacity", columns=("exponent_eff", "perfect", "n", "cue_fraction"))
def dense_exponential_capacity(table: Sequence[dict], *, x: str = "exponent_eff", y: str = "perfect", by: str = "n",
                               title: str = "Exponential dense memory: retrieval vs ln(P)/n"):
    """Fraction of flipped cues retrieved exactly (``perfect``) against the exponent
    ``ln P / n`` (Demircigil et al.'s alpha), one curve per n, with the Demircigil et al. bound
    ``I(1 - 2 rho)/2`` for the cues' flip fraction rho (``cue_fraction``) and the exact-cue
    bound ln 2 / 2."""
    fig, ax = plt.subplots(figsize=(6.5, 4.5), constrained_layout=True)
    rows = [r for r in table if not r.get("skipped")]
    series = _series(rows, x, y, by)
    colors = plt.cm.plasma(np.linspace(0.1, 0.8, max(1, len(series))))
    for c, (g, (xs, ms, es)) in zip(colors, series.items()):
        ax.errorbar(xs, ms, yerr=es, marker="o", ms=3, lw=1.2, color=c, label=f"n = {g}")
    rho = float(rows[0].get("cue_fraction", 0.1)) if rows else 0.1
    a_rho = float(theory.demircigil_alpha(rho))
    ax.axvline(a_rho, color="k", ls="--", lw=1.2, label=f"Demircigil bound, {rho:.0%} flipped: {a_rho:.3f}")
    ax.axvline(float(theory.demircigil_alpha(0.0)), color="gray", ls=":", lw=1.2,
               label=f"exact cues: ln2/2 = {float(theory.demircigil_alpha(0.0)):.3f}")
    ax.set_xlabel(r"exponent $\ln P / n$ (Demircigil et al.'s $\alpha$)")
    ax.set_ylabel("fraction of cues retrieved exactly")
    ax.set_ylim(-0.02, 1.05)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(title, fontsize=10)
    return fig


@figure_kind("modern_hopfield_regimes", columns=("beta", "global", "metastable", "single", "k_eff"))
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


def _dh_load(rows: Sequence[dict], degree: int) -> float:
    """Load K / N**(P-1) of the runs (archetypes and neurons of the first row; 0 if absent)."""
    k, n = rows[0].get("archetypes"), rows[0].get("n")
    return float(k) / float(n) ** (degree - 1) if k and n else 0.0


def _rs_agreement(rows: Sequence[dict], value: str, degree: int) -> tuple[float, float, int]:
    """Fractions of the (r, M, beta) cells where the trial-mean simulated overlap is above 1/2
    exactly where the theory's is: the replica-symmetric overlap with the storage term at the
    runs' load, protocol and M (:func:`assoc.theory.dense_hebbian_rs`), then our finite-M one
    (:func:`assoc.theory.dense_hebbian_overlap`); and the number of cells."""
    return _rs_agreement_cells(rows, value, degree)[:3]


def _rs_agreement_cells(rows: Sequence[dict], value: str, degree: int):
    """``(f_rs, f_ours, cells, f_rs_zero_load)``: as :func:`_rs_agreement`, plus the fraction with
    the zero-load equations (to show what the storage term changes at the runs' load)."""
    load = _dh_load(rows, degree)
    protocol = rows[0].get("protocol", "supervised")
    agg = aggregate(rows, ["r", "m", "beta"], value)
    hits_rs = hits_ours = hits_zero = 0
    for (r, m, b), (mean, _, _) in agg.items():
        beta = None if np.isinf(float(b)) else float(b)
        rho = (1 - r * r) / (m * r * r)
        m_rs = theory.dense_hebbian_rs(rho, beta, degree, load=load, protocol=protocol, examples=int(m))[0]
        hits_rs += (mean > 0.5) == (m_rs > 0.5)
        hits_zero += (mean > 0.5) == (theory.dense_hebbian_rs(rho, beta, degree)[0] > 0.5)
        hits_ours += (mean > 0.5) == (theory.dense_hebbian_overlap(r, int(m), beta, degree)[0] > 0.5)
    cells = max(len(agg), 1)
    return hits_rs / cells, hits_ours / cells, len(agg), hits_zero / cells


@figure_kind("dense_hebbian_learning", columns=("m", "m_archetype", "protocol", "r", "beta", "degree"))
def dense_hebbian_learning(table: Sequence[dict], *, x: str = "m", y: str = "m_archetype", by: str = "protocol",
                           beta_ref: float = 1.0,
                           title: str = "Dense Hebbian learning: archetype overlap vs number of examples"):
    """Archetype Mattis overlap against the examples per archetype M and, where the table sweeps
    the noise, over the (rho, 1/beta) plane, with the papers' replica-symmetric theory.

    Left: one curve per protocol at the noise ``1/beta_ref`` (the table's beta nearest to it),
    with the papers' low-load retrieval overlap (:func:`assoc.theory.dense_hebbian_rs`, solid),
    our finite-M version of it (:func:`assoc.theory.dense_hebbian_overlap`, dashed) and the
    dataset entropy rho on the top axis. Right (one panel per protocol, when beta takes several
    values): the simulated overlap over (rho, 1/beta), with the papers' lines: the largest rho at
    which the retrieval state exists, and at which it is the thermodynamic state
    (:func:`assoc.theory.dense_hebbian_rs_rho_c`). The theory is evaluated, never fitted.
    """
    betas = sorted({float(row["beta"]) for row in table})
    groups = sorted({row[by] for row in table}, key=str)
    sweep = len(betas) > 1
    fig, axes = plt.subplots(1, 1 + (len(groups) if sweep else 0), squeeze=False, constrained_layout=True,
                             figsize=(6.5 + (5.0 * len(groups) if sweep else 0), 4.8))
    ax = axes[0][0]
    b_ref = min(betas, key=lambda b: abs(np.log(b / beta_ref)) if np.isfinite(b) else np.inf)
    rows = [row for row in table if float(row["beta"]) == b_ref]
    beta = None if np.isinf(b_ref) else b_ref
    r = float(rows[0]["r"])
    degree = int(rows[0]["degree"])
    styles = {"supervised": ("tab:blue", "o"), "unsupervised": ("tab:red", "s")}
    for g, (xs, ms, es) in _series(rows, x, y, by).items():
        c, mk = styles.get(g, ("k", "o"))
        ax.errorbar(xs, ms, yerr=es, marker=mk, ms=4, lw=1.2, color=c, label=f"{g} (simulation)")
    ms_all = sorted({int(row[x]) for row in rows})
    grid = np.unique(np.round(np.geomspace(max(1, ms_all[0]), ms_all[-1], 80)).astype(int))
    rho_of = lambda mm: (1 - r * r) / (np.maximum(mm, 1e-9) * r * r)  # noqa: E731
    mg = np.geomspace(grid[0], grid[-1], 200)
    ax.plot(mg, [theory.dense_hebbian_rs(float(rho_of(v)), beta, degree)[0] for v in mg], "k-", lw=1.5,
            label="replica-symmetric theory, zero load (papers' setting)")
    ax.plot(grid, [theory.dense_hebbian_overlap(r, int(mm), beta, degree)[0] for mm in grid], "k--", lw=1.1,
            label="finite-M mean field (ours)")
    ax.axhline(r, color="tab:red", ls=":", lw=0.8, label=f"one example retrieved (m = r = {r})")
    temp = "0" if beta is None else f"{1 / beta:.3g}"
    ax.set_title(f"P = {degree}, r = {r}, noise 1/beta = {temp}", fontsize=10)
    top = ax.secondary_xaxis("top", functions=(rho_of, lambda rho: (1 - r * r) / (np.maximum(rho, 1e-9) * r * r)))
    top.set_xlabel(r"dataset entropy $\rho = (1-r^2)/(M r^2)$")
    ax.set_xscale("log")
    ax.set_xlabel("examples per archetype M")
    ax.set_ylabel("Mattis overlap with the unseen archetype")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize=7.5, loc="upper left")
    if sweep:
        finite = [b for b in betas if np.isfinite(b)]
        bt = np.geomspace(min(finite) * 0.98, max(finite) * 1.02, 12)
        mesh = None
        for axg, g in zip(axes[0][1:], groups):
            sub = [row for row in table if row[by] == g and np.isfinite(float(row["beta"]))]
            load = _dh_load(sub, degree)
            lines = theory.dense_hebbian_rs_lines(bt, degree, rtol=1e-3, load=load, protocol=str(g), quality=r)
            mm, bb, z = _grid2d(sub, x, "beta", y)
            rho_v = rho_of(mm)[::-1]
            mesh = axg.pcolormesh(_log_edges(rho_v), _log_edges(1.0 / bb[::-1]), z[::-1, ::-1], cmap="cividis",
                                  vmin=0, vmax=1, shading="flat")
            for key, ls, lab in (("exists", "-", "RS retrieval state exists (papers' setting, with load)"),
                                 ("stable", "--", "RS retrieval state is the equilibrium")):
                rc = lines[key]
                ok = np.isfinite(rc) & (rc > 0)
                for col, lw in (("w", 3.0), ("k", 1.4)):
                    axg.plot(rc[ok], 1.0 / bt[ok], ls, color=col, lw=lw, label=lab if col == "k" else None)
            axg.set_xscale("log")
            axg.set_yscale("log")
            axg.set_xlim(rho_v.min() / 1.3, rho_v.max() * 1.3)
            axg.set_xlabel(r"dataset entropy $\rho$ (r = %g, M varied)" % r)
            axg.set_ylabel("noise 1/beta")
            f_rs, f_ours, cells = _rs_agreement(sub, y, degree)
            axg.set_title(f"{g}, load K/N$^{{P-1}}$ = {load:.1g}: overlap above 1/2 where the\ntheory's is "
                          f"at {100 * f_rs:.0f} % (RS), {100 * f_ours:.0f} % (finite-M, ours) of {cells} cells",
                          fontsize=9)
        axes[0][1].legend(fontsize=7.5, loc="lower left", facecolor="0.6", framealpha=0.9)
        fig.colorbar(mesh, ax=axes[0][1:].tolist(), label=f"simulated overlap with the archetype ({y})")
    fig.suptitle(title, fontsize=11)
    return fig


@figure_kind("multitask_magnetizations", columns=("d", "patterns", "m*", "m1_over_h1", "evenness"))
def multitask_magnetizations(table: Sequence[dict], *, x: str = "d", level: float = 0.97,
                             title: str = "Multitasking network: sorted magnetizations vs dilution"):
    """Sorted Mattis magnetizations m_1 > m_2 > ... against the dilution d, with the
    hierarchical prediction (1 - d) d**(j-1) (dashed), its stability limit d_c (dotted) and
    the measured break: the first d where m_1 falls below ``level`` times its prediction."""
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(6.5, 6.5), sharex=True, constrained_layout=True,
                                  gridspec_kw={"height_ratios": [2, 1]})
    k = int(table[0]["patterns"]) if table else 0
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


def _log_edges(v: np.ndarray) -> np.ndarray:
    """Cell edges of positive values on a logarithmic axis (geometric midpoints)."""
    v = np.asarray(v, dtype=np.float64)
    if len(v) == 1:
        return np.array([v[0] / 1.5, v[0] * 1.5])
    mid = np.sqrt(v[1:] * v[:-1])
    return np.r_[v[0] ** 2 / mid[0], mid, v[-1] ** 2 / mid[-1]]


def _erfc_np(v):
    from scipy.special import erfc

    return erfc(np.asarray(v, dtype=np.float64))


@figure_kind("dense_phase_diagram", columns=("degree", "load", "m_mean", "n", "perfect", "bit_error", "cue_fraction"))
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
    ``perfect`` fraction (probes ending exactly on their pattern) crosses ``level``. Right: the
    measured one-step bit error against the scaled load ``P (2n-3)!! / N**(n-1)``, every degree on the one theory curve.
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
    pts = transition_points(table, x=y, y="perfect", by=x, level=level)
    px = [d for d, v in pts.items() if np.isfinite(v)]
    py = [pts[d] / theory.double_factorial(2 * int(d) - 3) for d in px]
    ax1.plot(px, py, "D", color="tab:red", ms=7, mec="w",
             label=f"simulation: {int(100 * level)} % of patterns retrieved exactly")
    ax1.set_yscale("log")
    ax1.set_xticks(degrees)
    ax1.set_xlabel("degree n of the energy $F(x) = x^n$")
    ax1.set_ylabel(r"load $\alpha = P / N^{n-1}$")
    ax1.legend(fontsize=7.5, loc="lower left", framealpha=0.9)
    cue = _first(table, "cue_fraction", 0.0)
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


@figure_kind("dense_hebbian_phase", columns=("m", "r", "m_archetype", "protocol", "beta", "degree", "n",
                                            "archetypes"))
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
    Black solid: the replica-symmetric learning threshold in the papers' setting with the storage
    term at the runs' load K/N**(P-1): ``M = (1 - r**2) / (r**2 rho_c)`` with rho_c the largest
    dataset entropy at which the retrieval state exists (:func:`assoc.theory.dense_hebbian_rs_rho_c`;
    an iso-entropy line for the supervised protocol, solved at 8 qualities for the unsupervised
    one, whose storage term depends on M; absent at zero noise and zero load); black dash-dot:
    where that state becomes the equilibrium.
    Black dotted: our finite-M version (:func:`assoc.theory.dense_hebbian_overlap`, exact
    binomial law of the example average): where its retrieval solution starts to exist at
    finite noise, its ``m = 0.5`` contour at zero noise.
    """
    groups = sorted({r[by] for r in table}, key=str) if by in table[0] else [None]
    fig, axes = plt.subplots(1, len(groups), figsize=(6.2 * len(groups) + 1.2, 5), constrained_layout=True,
                             squeeze=False)
    r0 = table[0]
    beta = r0["beta"]
    beta = None if (isinstance(beta, float) and np.isinf(beta)) else float(beta)
    degree = int(r0["degree"])
    mesh = None
    for ax, g in zip(axes[0], groups):
        rows = [r for r in table if g is None or r[by] == g]
        ms, rs, z = _grid2d(rows, x, y, value)
        mesh = ax.pcolormesh(_log_edges(ms), _edges(rs), z, cmap="cividis", vmin=0, vmax=1, shading="flat")
        mm = np.unique(np.round(np.geomspace(ms.min(), ms.max(), 70)).astype(int))
        rr = np.linspace(rs.min(), rs.max(), 70)
        rr = rr[rr != 0]
        th = np.array([[theory.dense_hebbian_overlap(float(r), int(m_), beta, degree)[0] for m_ in mm] for r in rr])
        lev = 0.25 if beta is not None else 0.5
        for col, lw in (("w", 2.6), ("k", 1.2)):
            ax.contour(mm, rr, th, levels=[lev], colors=col, linewidths=lw, linestyles=":")
        load = _dh_load(rows, degree)
        proto = str(g) if g is not None else "supervised"
        for key, ls in (("exists", "-"), ("stable", "-.")):
            if beta is None:
                continue
            if proto == "supervised" or load == 0:  # rho does not enter the storage term: an iso-entropy line
                r_line = rr
                rho_c = np.full(len(rr), theory.dense_hebbian_rs_rho_c(beta, degree, key, load=load, rtol=1e-4))
            else:  # the unsupervised storage term depends on M itself: solved at 8 qualities
                r_line = np.linspace(rr.min(), rr.max(), 8)
                rho_c = np.array([theory.dense_hebbian_rs_rho_c(beta, degree, key, load=load, protocol=proto,
                                                                quality=float(q_), rtol=1e-3) for q_ in r_line])
            ok = np.isfinite(rho_c) & (rho_c > 0)
            if ok.any():
                m_c = (1 - r_line[ok] ** 2) / (r_line[ok] ** 2 * rho_c[ok])
                for col, lw in (("w", 3.0), ("k", 1.5)):
                    ax.plot(m_c, r_line[ok], ls, color=col, lw=lw)
        ax.set_xlim(_log_edges(ms)[0], _log_edges(ms)[-1])
        grid_m, grid_r = np.meshgrid(mm, rr)
        rho = (1 - grid_r**2) / (grid_m * grid_r**2)
        cs = ax.contour(mm, rr, rho, levels=list(rho_levels), colors="w", linestyles="--", linewidths=1.0)
        ax.clabel(cs, fmt=lambda v: rf"$\rho$={v:g}", fontsize=7.5)
        ax.set_xscale("log")
        ax.set_xlabel("examples per archetype M")
        ax.set_ylabel("example quality r")
        f_rs, f_ours, cells = _rs_agreement(rows, value, degree)
        ax.set_title((f"{g} " if g is not None else "") + f"(load {load:.1g}): simulated overlap above 1/2 where "
                     f"the theory's is at "
                     f"{100 * f_rs:.0f} % (RS)\nand {100 * f_ours:.0f} % (finite-M, ours) of the {cells} cells",
                     fontsize=9)
    ax = axes[0][0]
    if beta is not None:
        ax.plot([], [], "k-", label="RS learning threshold at the runs' load: retrieval state exists (papers' setting)")
        ax.plot([], [], "k-.", label="RS: retrieval state is the equilibrium")
    ax.plot([], [], "k:", label=("finite-M threshold (ours)" if beta is not None else "finite-M m = 0.5 (ours)"))
    ax.plot([], [], "w--", label=r"dataset entropy $\rho=(1-r^2)/(M r^2)$")
    ax.legend(fontsize=7.5, loc="upper right", facecolor="0.6", framealpha=0.9)
    if mesh is not None:
        fig.colorbar(mesh, ax=axes[0].tolist(), label=f"simulated overlap with the archetype ({value})")
    temp = "0" if beta is None else f"{1 / beta:.3g}"
    fig.suptitle(f"{title}\nn = {int(r0['n'])}, P = {degree}-body couplings, {int(r0['archetypes'])} archetypes, "
                 f"noise 1/beta = {temp}", fontsize=10.5)
    return fig
