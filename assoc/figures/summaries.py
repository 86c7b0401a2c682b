"""The statistics that ``figures/README.md`` quotes, computed from the gallery's sweep tables.

One summary per figure, registered by name in :data:`SUMMARIES` with the specs whose tables it
reads: ``compute(table) -> {statistic: value}`` and ``render(stats) -> text``. The README holds
each rendered text between the markers ``<!-- summary:NAME -->`` and ``<!-- /summary:NAME -->``,
and :func:`write_summaries` replaces them from the stores under ``results/gallery`` (the full
runs), so every number there is one these functions computed::

    python -m assoc.figures.summaries            # print every summary
    python -m assoc.figures.summaries --write    # and rewrite them in figures/README.md

``--quick`` reads ``results/gallery-quick`` (the stores of ``assoc figures --quick``) instead.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from .. import theory
from ..metrics import aggregate, transition_points


@dataclass(frozen=True)
class Summary:
    """The statistics of one figure: its ``name`` (the README marker), the gallery ``specs``
    whose tables it reads (concatenated, in this order), ``compute`` and ``render``."""

    name: str
    specs: tuple[str, ...]
    compute: Callable[[Sequence[dict]], dict]
    render: Callable[[dict], str]


#: Every summary, by figure name.
SUMMARIES: dict[str, Summary] = {}


def summary(name: str, specs: Sequence[str], render: Callable[[dict], str]) -> Callable:
    """Register ``compute(table) -> dict`` as the summary of figure ``name``."""

    def wrap(compute: Callable) -> Callable:
        if name in SUMMARIES:
            raise ValueError(f"summary {name!r} is registered twice")
        SUMMARIES[name] = Summary(name, tuple(specs), compute, render)
        return compute

    return wrap


def _fmt(v: float, digits: int = 3) -> str:
    return f"{v:.{digits}g}" if np.isfinite(v) else "n/a"


def _list(vals: Sequence[float], digits: int = 3) -> str:
    return ", ".join(f"{v:.{digits}f}" if np.isfinite(v) else "none" for v in vals)


# --------------------------------------------------------------------------- Hopfield


def _render_capacity(s: dict) -> str:
    return f"{_list(s['crossings'])} for n = {', '.join(str(n) for n in s['n'])}"


@summary("hopfield-capacity", ("hopfield-capacity",), _render_capacity)
def hopfield_capacity_summary(table: Sequence[dict]) -> dict:
    """The load where the trial-mean fraction retrieved falls through 1/2, per network size."""
    pts = transition_points(table, x="alpha", y="retrieved", by="n")
    return {"n": [int(n) for n in pts], "crossings": [float(v) for v in pts.values()]}


def _render_rules(s: dict) -> str:
    return ("Half of the cues are retrieved up to alpha = "
            + ", ".join(f"{v:.3f} ({r})" for r, v in zip(s["rule"], s["crossings"]))
            + f"; Storkey's all-patterns-stable estimate 1/sqrt(2 ln n) = {s['storkey_estimate']:.2f} at n = {s['n']}")


@summary("hopfield-rules", ("hopfield-rules",), _render_rules)
def hopfield_rules_summary(table: Sequence[dict]) -> dict:
    """The load where the fraction retrieved falls through 1/2, per learning rule."""
    pts = transition_points(table, x="alpha", y="retrieved", by="rule")
    n = int(table[0]["n"])
    return {"rule": list(pts), "crossings": [float(v) for v in pts.values()], "n": n,
            "storkey_estimate": float(theory.storkey_capacity(n)) / n}


def _render_finite_size(s: dict) -> str:
    fr, fx = s["free"], s["fixed"]
    out = []
    if fr is not None:
        out.append(f"The free fit gives alpha_inf = {fr['alpha_inf']:.3f} +/- {fr['alpha_inf_err']:.3f} with "
                   f"b = {fr['b']:.2f} +/- {fr['b_err']:.2f} (chi^2 = {fr['chi2']:.1f} for {fr['dof']} degrees of "
                   f"freedom)")
    out.append(f"with b = 1/2 it gives alpha_inf = {fx['alpha_inf']:.4f} +/- {fx['alpha_inf_err']:.4f} "
               f"(chi^2 = {fx['chi2']:.1f} for {fx['dof']} degrees of freedom)")
    text = "; ".join(out) + "."
    scaled = [f for f in (fr, fx) if f is not None and f["scale"] > 1]
    if scaled:
        text += (" Errors are multiplied by sqrt(chi^2 / dof) where that exceeds 1 ("
                 + (f"x {fr['scale']:.2f} free, " if fr is not None and fr["scale"] > 1 else "")
                 + (f"x {fx['scale']:.2f} with b = 1/2" if fx["scale"] > 1 else "").rstrip(", ") + ").")
    text += (f" The AGS value {s['ags']:.3f} lies {abs(s['ags'] - fx['alpha_inf']) / fx['alpha_inf_err']:.1f} "
             f"(b = 1/2) and "
             + (f"{abs(s['ags'] - fr['alpha_inf']) / fr['alpha_inf_err']:.1f} (free)" if fr is not None else "n/a")
             + " errors from the extrapolations.")
    return text


@summary("capacity-finite-size", ("capacity-finite-size",), _render_finite_size)
def finite_size_summary(table: Sequence[dict]) -> dict:
    """The extrapolations of :func:`assoc.figures.hopfield.finite_size_fit` to n -> infinity."""
    from ._common import _series
    from .hopfield import finite_size_fit

    (ns, ms, es), = _series(table, "n", "alpha_c", None).values()
    fits = finite_size_fit(ns.astype(float), ms, es)
    clean = {k: (None if f is None else {a: b for a, b in f.items() if a != "model"}) for k, f in fits.items()}
    return {**clean, "n": [int(n) for n in ns], "ags": float(theory.ags_alpha_c())}


def _render_basins(s: dict) -> str:
    return (f"At alpha = {s['alpha']:g} a cue with {100 * s['erase']:.0f} % of the pattern erased is still completed "
            f"(m >= 0.9), and a cue with up to {100 * s['flip']:.0f} % of its bits flipped (initial overlap "
            f"{s['flip_m0']:.2f}). The largest load at which some fragment is completed is alpha = {s['alpha_max']:g}")


@summary("fragments-basins", ("fragments-basins",), _render_basins)
def basins_summary(table: Sequence[dict], alpha: float = 0.04) -> dict:
    """At the swept load nearest ``alpha``: the largest erased and flipped fractions of the cue
    from which the trial-mean final overlap is still >= 0.9 (and the flipped cue's initial
    overlap); and the largest load at which any corrupted cue (fraction > 0) is completed."""
    alpha = min({float(r["alpha"]) for r in table}, key=lambda a: abs(a - alpha))
    out: dict = {"alpha": alpha}
    for cue in ("erase", "flip"):
        agg = aggregate([r for r in table if r["cue"] == cue and math.isclose(r["alpha"], alpha)], ["cue_fraction"],
                        "m_mean")
        ok = [f for (f,), (m, _, _) in agg.items() if m >= 0.9]
        out[cue] = max(ok) if ok else math.nan
        if cue == "flip":
            m0 = aggregate([r for r in table if r["cue"] == cue and math.isclose(r["alpha"], alpha)],
                           ["cue_fraction"], "m0")
            out["flip_m0"] = m0[(out[cue],)][0] if ok else math.nan
    full = aggregate([r for r in table if r["cue_fraction"] > 0], ["alpha", "cue_fraction"], "m_mean")
    done = [a for (a, f), (m, _, _) in full.items() if m >= 0.9]
    out["alpha_max"] = max(done) if done else math.nan
    return out


def _render_forgetting(s: dict) -> str:
    kept = "; ".join(f"{m}: {v['retrieved']:.1f} retrieved ({v['per_n']:.3f} n)" for m, v in s["models"].items())
    fits = "; ".join(f"{m}: {f['better']} fits better (residual sums of squares of log signal: power law "
                     f"{f['pow_sse']:.3g}, slope t^-{f['pow_gamma']:.2f}; exponential {f['exp_sse']:.3g}, "
                     f"tau = {f['exp_tau']:.0f} patterns; {f['points']} age bins)" for m, f in s["fits"].items())
    return f"Items retrieved per model (mean of {s['trials']} trials): {kept}. Memory signal fits: {fits}"


@summary("forgetting-curves", ("forgetting-curves",), _render_forgetting)
def forgetting_summary(table: Sequence[dict], fit: Sequence[str] = ("cascade", "cascade-binary")) -> dict:
    """Per model preset: the items retrieved (trial mean of ``retrieved_count``, or
    ``retrieved`` in stores written before that column was renamed) and per n; for the models
    in ``fit``, the exponential and power-law fits of the memory signal over the age bins the
    figure fits (those above 3 noise levels of a bin's mean signal)."""
    from ..memories.cascade import fit_forgetting
    from .forgetting import _age_curves

    n = int(table[0]["n"])
    trials = len({r["trial"] for r in table})
    count = "retrieved_count" if "retrieved_count" in table[0] else "retrieved"
    models = {}
    for m in sorted({r["model"] for r in table}):
        rows = [r for r in table if r["model"] == m]
        v = float(np.mean([r[count] for r in rows]))
        models[m] = {"retrieved": v, "per_n": v / n}
    floor = 1.0 / math.sqrt(n * (n - 1) / 2.0)
    fits = {}
    for g, (t, sig, _, size) in _age_curves(table, "sig", "model").items():
        if g in fit:
            use = sig > 3.0 * floor / np.sqrt(size * max(trials, 1))
            if use.sum() >= 3:
                fits[g] = fit_forgetting(t[use], sig[use])
    return {"n": n, "trials": trials, "models": models, "fits": fits}


def _render_interference(s: dict) -> str:
    return (f"At the {s['resolved']} points with at least 50 predicted unstable bits the measured fraction is "
            f"{s['ratio_min']:.2f} to {s['ratio_max']:.2f} times the prediction (binomial |z| <= {s['max_abs_z']:.1f}, "
            f"bits counted as independent); at c >= 0.4 the uncorrelated prediction is "
            f"{s['random_low_min']:.0f} to {s['random_low_max']:.0f} times low")


@summary("interference-correlated", ("interference-correlated",), _render_interference)
def interference_summary(table: Sequence[dict]) -> dict:
    """Unstable-bit fraction pooled over trials per (children, c) against the signal-to-noise
    prediction with sibling crosstalk (ratio and binomial z over n x probes x trials bits, at
    points predicting at least 50 unstable bits), and how far below the measurement the
    uncorrelated prediction falls at c >= 0.4."""
    groups: dict = {}
    for r in table:
        groups.setdefault((int(r["children"]), float(r["c"])), []).append(r)
    res, low = [], []
    for (_, c), rows in groups.items():
        bits = sum(int(r["n"]) * int(r["probes"]) for r in rows)
        meas = float(np.mean([r["bit_error"] for r in rows]))
        pred = float(np.mean([r["pred_error"] for r in rows]))
        if pred * bits >= 50:
            res.append((meas / pred, (meas - pred) / math.sqrt(pred * (1 - pred) / bits)))
        random = float(np.mean([r["pred_error_random"] for r in rows]))
        if c >= 0.4 and random > 0:
            low.append(meas / random)
    return {
        "resolved": len(res),
        "ratio_min": min(x for x, _ in res) if res else math.nan, "ratio_max": max(x for x, _ in res) if res else math.nan,
        "max_abs_z": max(abs(z) for _, z in res) if res else math.nan,
        "random_low_min": min(low) if low else math.nan, "random_low_max": max(low) if low else math.nan,
    }


# --------------------------------------------------------------------------- dense


def _render_dense_phase(s: dict) -> str:
    deg = s["degree"]
    return (f"the Krotov-Hopfield error-free capacity N^(n-1) / (2 (2n-3)!! ln N) (x_c = {s['x_c']:.3f} at "
            f"N = {s['N']}) and the load where the one-step bit error reaches 1 % (x = {s['x_1pc']:.3f}); red: where "
            f"half the patterns stay exactly fixed, at x = {_list(s['x_half'])} for n = "
            f"{', '.join(str(d) for d in deg)} (P / N^(n-1) = "
            + ", ".join(_fmt(v, 2) for v in s["alpha_half"]) + "). "
            f"Right: the measured one-step bit error of every degree against the one curve Q(1/sqrt(x)): mean "
            f"relative deviation {100 * s['mean_rel_dev']:+.0f} % over the {s['points']} points with a predicted "
            f"error above 0.5 % (largest |deviation| {100 * s['max_abs_rel_dev']:.0f} %, at degree {s['worst_degree']})")


@summary("dense-phase", ("dense-phase",), _render_dense_phase)
def dense_phase_summary(table: Sequence[dict]) -> dict:
    """Where half the probed patterns stay exactly fixed per degree, and the deviation of the
    trial-mean one-step bit error from Q(1/sqrt(x)) where that exceeds 0.5 %."""
    from scipy.stats import norm

    n = int(table[0]["n"])
    half = transition_points(table, x="load", y="perfect", by="degree")
    degrees = [int(d) for d in half]
    meas = aggregate(table, ["degree", "load"], "bit_error")
    th = aggregate(table, ["degree", "load"], "bit_error_theory")
    dev = {k: meas[k][0] / th[k][0] - 1 for k in meas if k in th and th[k][0] > 0.005}
    worst = max(dev, key=lambda k: abs(dev[k])) if dev else (math.nan,)
    return {
        "N": n, "degree": degrees, "x_half": [float(v) for v in half.values()],
        "alpha_half": [float(v) / theory.double_factorial(2 * d - 3) for d, v in zip(degrees, half.values())],
        "x_c": 1.0 / (2.0 * math.log(n)), "x_1pc": float(1.0 / norm.isf(0.01) ** 2),
        "points": len(dev), "mean_rel_dev": float(np.mean(list(dev.values()))) if dev else math.nan,
        "max_abs_rel_dev": float(abs(dev[worst])) if dev else math.nan, "worst_degree": worst[0],
    }


def _render_dense_hebbian(s: dict) -> str:
    parts = []
    for proto in s["protocols"]:
        p = s[proto]
        parts.append(f"{proto}, the simulated overlap is above 1/2 where the mean-field retrieval solution exists "
                     f"and below where it does not at {100 * p['agree']:.0f} % of the {p['points']} grid points, and "
                     f"within {p['mean_abs_dev']:.2f} of the theoretical overlap on average where that exceeds 0.5")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


@summary("dense-hebbian-phase", ("dense-hebbian-phase",), _render_dense_hebbian)
def dense_hebbian_summary(table: Sequence[dict]) -> dict:
    """Per protocol: the fraction of (r, M) grid points where the trial-mean archetype overlap
    exceeds 1/2 exactly where the mean-field retrieval solution exists (a nonzero overlap,
    which appears discontinuously at 0.44 or more on this grid), and the mean
    |simulation - theory| where the theory exceeds 1/2."""
    out: dict = {"protocols": sorted({r["protocol"] for r in table})}
    for proto in out["protocols"]:
        rows = [r for r in table if r["protocol"] == proto]
        sim = aggregate(rows, ["r", "m"], "m_archetype")
        th = aggregate(rows, ["r", "m"], "m_theory")
        keys = [k for k in sim if k in th]
        agree = [(sim[k][0] > 0.5) == (th[k][0] > 1e-3) for k in keys]
        dev = [abs(sim[k][0] - th[k][0]) for k in keys if th[k][0] > 0.5]
        out[proto] = {"points": len(keys), "agree": float(np.mean(agree)) if keys else math.nan,
                      "mean_abs_dev": float(np.mean(dev)) if dev else math.nan}
    return out


def _render_dense_capacity(s: dict) -> str:
    fits = ", ".join(f"{sl:.2f}" + (f" +/- {se:.2f}" if np.isfinite(se) else " (two sizes: no error)")
                     + f" (d = {d}, n = {lo}..{hi})"
                     for d, sl, se, lo, hi in zip(s["degree"], s["slope"], s["slope_se"], s["n_min"], s["n_max"]))
    same = s["same_states"]
    return (f"Fitted log-log slopes: {fits}; the largest departure from d - 1 is {100 * s['max_rel_dev']:.0f} % "
            f"(d = {s['worst_degree']}). At d = 2, `hopfield_same_states` is {same['mean']:.3g} on average over "
            f"{same['runs']} runs (1: every final state equals the classical Hebbian Hopfield network's on the same "
            f"patterns, cues and update orders)")


@summary("dense-capacity", ("dense-capacity",), _render_dense_capacity)
def dense_capacity_summary(table: Sequence[dict]) -> dict:
    """Per degree, the least-squares log-log slope of the trial-mean largest near-perfect
    pattern count against n (the figure's fit) with its standard error, against degree - 1;
    and the agreement with the Hebbian network at degree 2."""
    from .dense import _fit_loglog

    agg = aggregate(table, ["degree", "n"], "patterns_max")
    out: dict = {"degree": [], "slope": [], "slope_se": [], "n_min": [], "n_max": []}
    for deg in sorted({k[0] for k in agg}):
        pts = sorted((k[1], v[0]) for k, v in agg.items() if k[0] == deg)
        slope, se, _ = _fit_loglog([p[0] for p in pts], [p[1] for p in pts])
        for key, v in zip(out, (int(deg), slope, se, int(pts[0][0]), int(pts[-1][0]))):
            out[key].append(v)
    devs = [abs(sl / (d - 1) - 1) for d, sl in zip(out["degree"], out["slope"])]
    out["max_rel_dev"] = float(max(devs))
    out["worst_degree"] = out["degree"][int(np.argmax(devs))]
    same = [float(r["hopfield_same_states"]) for r in table if int(r["degree"]) == 2
            and r.get("hopfield_same_states") is not None and np.isfinite(r["hopfield_same_states"])]
    out["same_states"] = {"runs": len(same), "mean": float(np.mean(same)) if same else math.nan}
    return out


def _render_dense_exponential(s: dict) -> str:
    ns = ", ".join(str(n) for n in s["n"])
    return (f"Every cue is retrieved exactly up to ln P / n = {_list(s['perfect_up_to'], 2)} for n = {ns} "
            f"(the rigorous asymptotic bound I(1 - 2 rho)/2 is {s['bound']:.3f} for rho = {s['rho']:g}; dashed), "
            f"holding {', '.join(f'{p:.3g}' for p in s['patterns_perfect'])} patterns with perfect retrieval; "
            + _half_text(s["n"], s["half"]))


def _half_text(ns, half) -> str:
    done = [(n, h) for n, h in zip(ns, half) if np.isfinite(h)]
    rest = [str(n) for n, h in zip(ns, half) if not np.isfinite(h)]
    text = ("half of the cues are retrieved up to ln P / n = " + ", ".join(f"{h:.2f} (n = {n})" for n, h in done)
            if done else "")
    if rest:
        text += ("; " if text else "") + f"at n = {', '.join(rest)} retrieval stays above 1/2 over the loads run (larger P are skipped)"
    return text


@summary("dense-exponential", ("dense-exponential",), _render_dense_exponential)
def dense_exponential_summary(table: Sequence[dict]) -> dict:
    """Per n: the largest ln P / n up to which every swept load retrieves every cue exactly
    (trial-mean ``perfect`` = 1; skipped loads end the range), the pattern count there, and
    where the fraction retrieved falls through 1/2; with the Demircigil et al. bound at the
    cue's flip fraction."""
    rho = float(table[0]["cue_fraction"])
    perf = aggregate(table, ["n", "exponent"], "perfect")
    pats = aggregate(table, ["n", "exponent"], "patterns")
    eff = aggregate(table, ["n", "exponent"], "exponent_eff")
    ns = sorted({k[0] for k in perf})
    up_to, held = [], []
    for n in ns:
        last = None
        for key in sorted(k for k in perf if k[0] == n):
            if perf[key][0] < 1.0:
                break
            last = key
        up_to.append(eff[last][0] if last else math.nan)
        held.append(pats[last][0] if last else math.nan)
    half = transition_points(table, x="exponent_eff", y="retrieved", by="n")
    return {"n": [int(n) for n in ns], "perfect_up_to": up_to, "patterns_perfect": held,
            "half": [half.get(n, math.nan) for n in ns], "rho": rho,
            "bound": float(theory.demircigil_rate(1 - 2 * rho)) / 2}


def _render_regimes(s: dict) -> str:
    rng = lambda r: (f"beta = {r[0]:.3g} .. {r[1]:.3g}" if r else "no beta swept")  # noqa: E731
    return (f"Every query goes to the global average (mean k_eff = {_fmt(s['k_global'])} of P = {s['patterns']}) for "
            f"{rng(s['global'])}; metastable states averaging the query's cluster (mean k_eff = {_fmt(s['k_meta'])}, "
            f"a cluster holds {s['per_cluster']}) for {rng(s['metastable'])}; a single pattern for {rng(s['single'])} "
            f"(a regime counted where it holds for at least 90 % of the queries)")


@summary("dense-modern-regimes", ("dense-modern-regimes",), _render_regimes)
def modern_regimes_summary(table: Sequence[dict], share: float = 0.9) -> dict:
    """The beta range over which each fixed-point regime holds for at least ``share`` of the
    queries (trial means), and the mean participation number k_eff there."""
    out: dict = {"patterns": int(table[0]["clusters"]) * int(table[0]["per_cluster"]),
                 "per_cluster": int(table[0]["per_cluster"])}
    k = aggregate(table, ["beta"], "k_eff")
    for regime in ("global", "metastable", "single"):
        agg = aggregate(table, ["beta"], regime)
        betas = [b for (b,), (v, _, _) in agg.items() if v >= share]
        out[regime] = (min(betas), max(betas)) if betas else ()
        if regime != "single":
            out["k_" + ("global" if regime == "global" else "meta")] = (
                float(np.mean([k[(b,)][0] for b in betas])) if betas else math.nan)
    return out


def _render_multitask(s: dict) -> str:
    text = (f"Up to d = {s['d_hold']:.2f} the sorted magnetizations follow the hierarchy (1 - d) d^(j-1) (dashed; "
            f"m_1 / (1 - d) = {s['ratio_min']:.3f} .. {s['ratio_max']:.3f}). ")
    if not np.isfinite(s["d_break"]):
        return text + (f"m_1 >= 0.97 (1 - d) at every d swept (the golden ratio d_c = {s['d_c']:.3f} bounds the "
                       "signal-to-noise stability condition d + d^2 < 1)")
    return text + (f"Measured break (first d with m_1 < 0.97 (1 - d)): d = {s['d_break']:.2f}, against the golden "
                   f"ratio d_c = {s['d_c']:.3f} where the signal-to-noise stability condition d + d^2 < 1 fails "
                   f"(dotted); there m_1 / (1 - d) = {s['ratio_at_break']:.2f} and m_3 / m_1 goes from "
                   f"{s['m31_before']:.2f} to {s['m31_at']:.2f}")


@summary("dense-multitask", ("dense-multitask",), _render_multitask)
def multitask_summary(table: Sequence[dict]) -> dict:
    """Trial means per dilution d: the range of m_1 / (1 - d) below the break, the first d
    where m_1 < 0.97 (1 - d) (the break), and m_3 / m_1 just before and at it."""
    r = aggregate(table, ["d"], "m1_over_h1")
    m1 = aggregate(table, ["d"], "m1")
    m3 = aggregate(table, ["d"], "m3")
    ds = sorted(k[0] for k in r)
    broken = [d for d in ds if r[(d,)][0] < 0.97]
    d_break = broken[0] if broken else math.nan
    hold = [d for d in ds if not broken or d < d_break]
    before = hold[-1] if hold else math.nan
    return {"d_hold": before, "d_break": d_break, "d_c": float(table[0]["d_c"]),
            "ratio_min": min(r[(d,)][0] for d in hold), "ratio_max": max(r[(d,)][0] for d in hold),
            "ratio_at_break": r[(d_break,)][0] if broken else math.nan,
            "m31_before": m3[(before,)][0] / m1[(before,)][0],
            "m31_at": m3[(d_break,)][0] / m1[(d_break,)][0] if broken else math.nan}


# --------------------------------------------------------------------------- sparse


def _render_segments(s: dict) -> str:
    return (f"Over the {s['resolvable']} points with at least one false match (of {s['points']}) the simulated "
            f"rates agree with the exact tail for the realised synapse counts with |z| <= {s['max_abs_z']:.1f}")


@summary("sdr-segments", ("sdr-segments-n", "sdr-segments-theta", "sdr-segments-union"), _render_segments)
def segments_summary(table: Sequence[dict]) -> dict:
    """False matches pooled over the trials of each grid point, against the exact rate for the
    realised synapse counts (trial-weighted): the binomial z of every point where at least one
    false match was seen (0 where the rate is 1 and every probe matched)."""
    keys = ("n", "k", "synapses", "theta", "union", "segments")
    groups: dict = {}
    for r in table:
        g = groups.setdefault(tuple(r[k] for k in keys), [0, 0, 0.0])
        g[0] += int(r["fm_count"])
        g[1] += int(r["trials_fm"])
        g[2] += float(r["fm_theory_given"]) * int(r["trials_fm"])
    zs = []
    for hits, trials, expected in groups.values():
        p = expected / trials
        if hits > 0:
            var = trials * p * (1 - p)  # 0 where every probe must match (p = 1): then exact or not
            zs.append((hits - trials * p) / math.sqrt(var) if var > 0 else (0.0 if hits == trials * p else math.inf))
    return {"points": len(groups), "resolvable": len(zs),
            "max_abs_z": float(np.max(np.abs(zs))) if zs else math.nan}


def _willshaw_points(table: Sequence[dict]) -> list[dict]:
    """Per (k, patterns) point: mean false positives over trials, its standard error (from the
    per-trial standard errors over cues), the exact and the independence predictions, bits."""
    groups: dict = {}
    for r in table:
        groups.setdefault((int(r["k"]), int(r["patterns"])), []).append(r)
    out = []
    for (k, m), rows in sorted(groups.items()):
        se = math.sqrt(sum(float(r["fp_sem"]) ** 2 for r in rows)) / len(rows)
        out.append({"k": k, "patterns": m, "fp": float(np.mean([r["fp"] for r in rows])), "se": se,
                    "exact": float(rows[0]["fp_exact"]), "indep": float(rows[0]["fp_theory"]),
                    "bits": float(np.mean([r["bits"] for r in rows])),
                    "p1_dev": float(max(abs(r["p1"] - r["p1_theory"]) for r in rows))})
    return out


def _render_willshaw(s: dict) -> str:
    return (f"the {s['resolved']} points with more than 0.01 false positives per retrieval lie within "
            f"{s['max_abs_z']:.1f} standard errors of it (ratios {s['ratio_min']:.2f} to {s['ratio_max']:.2f}), while "
            f"the independence estimate (n - l) p1^c is up to "
            + " and ".join(f"{v:.1f}x low for k = {k}" for k, v in zip(s["k"], s["indep_low"]))
            + f" there; the measured p1 is within {s['p1_max_dev']:.1g} of 1 - (1 - kl/(mn))^M everywhere, and the "
            f"bits per synapse peak at " + ", ".join(f"{b:.2f} (k = {k})" for k, b in zip(s["k"], s["bits_peak"])))


@summary("willshaw-capacity", ("willshaw-capacity",), _render_willshaw)
def willshaw_capacity_summary(table: Sequence[dict]) -> dict:
    """The exact row-load mixture against the measured false positives where those exceed 0.01
    per retrieval (z and ratio), how far the independence estimate falls short there (largest
    measured / independence ratio per k), the largest |measured p1 - theory| over every trial,
    and the peak bits per synapse per k."""
    pts = _willshaw_points(table)
    res = [p for p in pts if p["fp"] > 0.01 and p["se"] > 0]
    ks = sorted({p["k"] for p in pts})
    return {
        "resolved": len(res),
        "max_abs_z": float(max(abs(p["fp"] - p["exact"]) / p["se"] for p in res)) if res else math.nan,
        "ratio_min": float(min(p["fp"] / p["exact"] for p in res)) if res else math.nan,
        "ratio_max": float(max(p["fp"] / p["exact"] for p in res)) if res else math.nan,
        "k": ks,
        "indep_low": [max((p["fp"] / p["indep"] for p in res if p["k"] == k and p["indep"] > 0), default=math.nan)
                      for k in ks],
        "bits_peak": [max(p["bits"] for p in pts if p["k"] == k) for k in ks],
        "p1_max_dev": float(max(p["p1_dev"] for p in pts)),
    }


def _render_willshaw_fp(s: dict) -> str:
    return (f"Measured false positives per retrieval divided by (n - l) p1^c: {_list(s['ratios'], 2)} "
            f"(all within {100 * s['max_dev']:.0f} %, {s['within_3pc']} of {len(s['ratios'])} within 3 %); the exact "
            f"mixture is within {s['max_abs_z_exact']:.1f} standard errors at every load")


@summary("willshaw-fp", ("willshaw-fp",), _render_willshaw_fp)
def willshaw_fp_summary(table: Sequence[dict]) -> dict:
    """Measured / independence-estimate false positives at each load, and the exact mixture's z."""
    pts = _willshaw_points(table)
    ratios = [p["fp"] / p["indep"] for p in pts]
    return {"ratios": ratios, "max_dev": float(max(abs(r - 1) for r in ratios)),
            "within_3pc": int(sum(abs(r - 1) <= 0.03 for r in ratios)),
            "max_abs_z_exact": float(max(abs(p["fp"] - p["exact"]) / p["se"] for p in pts if p["se"] > 0))}


# --------------------------------------------------------------------------- MQAR


def _render_mqar(s: dict) -> str:
    parts = []
    for fam, ratios in s["capacity_per_d"].items():
        if all(not np.isfinite(r) for r in ratios):
            parts.append(f"{fam} never within P <= {s['largest_p']}")
        else:
            parts.append(f"{fam} {_list(ratios, 2)}")
    return f"(d = {', '.join(str(d) for d in s['d'])}) " + "; ".join(parts)


@summary("mqar", ("mqar",), _render_mqar)
def mqar_summary(table: Sequence[dict]) -> dict:
    """Per family (registry order), the pairs where accuracy falls to 1/2 divided by d, per d."""
    from ..registry import families
    from .mqar import mqar_capacity

    cap = mqar_capacity(table)
    dims = sorted({int(r["key_dim"]) for r in table})
    present = {r["family"] for r in table}
    return {"d": dims, "largest_p": int(max(r["n_pairs"] for r in table)),
            "capacity_per_d": {f: [float(cap.get((f, d), np.nan)) / d for d in dims]
                               for f in families() if f in present}}


def _render_shared(s: dict) -> str:
    ex = "; ".join(f"s = {sh}: {m:.3g} vs {t:.3g}" for sh, m, t in s["examples"])
    gain = " and ".join(f"{g:.3g}x at {p} pairs" for p, g in s["gain"])
    return (f"Measured and exact agree at the {s['resolved']} points with false positives in the sample "
            f"(binomial |z| <= {s['max_abs_z']:.1f}; at {s['example_pairs']} pairs {ex}); with 6 of 8 bits shared the "
            f"error rate is {gain} that of independent keys (dashed). The independence estimate is low by up to "
            f"{s['indep_low']:.1f}x")


@summary("willshaw-shared", ("willshaw-shared",), _render_shared)
def willshaw_shared_summary(table: Sequence[dict], example_pairs: int = 4000) -> dict:
    """False-positive rates pooled over trials per (pairs, shared) against the exact theory
    (binomial z over probes x silent units, where any false positive was seen), examples at
    ``example_pairs`` (the nearest swept), the rate with 6 shared bits over that of
    independent keys per number of pairs, and the largest exact / independence-estimate ratio."""
    groups: dict = {}
    for r in table:
        groups.setdefault((int(r["pairs"]), int(r["shared"])), []).append(r)
    pts = {}
    for key, rows in groups.items():
        units = sum(int(r["probes"]) * (int(r["n"]) - int(r["l"])) for r in rows)
        pts[key] = {"meas": float(np.mean([r["fp_rate"] for r in rows])), "exact": float(rows[0]["fp_theory"]),
                    "indep": float(rows[0]["fp_theory_indep"]), "uncorr": float(rows[0]["fp_uncorrelated"]),
                    "units": units}
    zs = [(p["meas"] - p["exact"]) / math.sqrt(p["exact"] * (1 - p["exact"]) / p["units"])
          for p in pts.values() if p["meas"] > 0 and 0 < p["exact"] < 1]
    pairs = sorted({k[0] for k in pts})
    ex_p = min(pairs, key=lambda v: abs(v - example_pairs))
    return {
        "resolved": len(zs), "max_abs_z": float(max(abs(z) for z in zs)) if zs else math.nan,
        "example_pairs": ex_p,
        "examples": [(sh, pts[(ex_p, sh)]["meas"], pts[(ex_p, sh)]["exact"]) for sh in (4, 6, 7) if (ex_p, sh) in pts],
        "gain": [(p, pts[(p, 6)]["meas"] / pts[(p, 6)]["uncorr"]) for p in sorted(pairs, reverse=True)
                 if (p, 6) in pts and pts[(p, 6)]["uncorr"] > 0],
        "indep_low": float(max((p["exact"] / p["indep"] for p in pts.values() if p["indep"] > 0), default=math.nan)),
    }


def _render_willshaw_auto(s: dict) -> str:
    return ("The error-tolerant transinformation peaks at " + ", ".join(
        f"{b:.2f} bits per synapse for k = {k} (theory {t:.2f} there)" for k, b, t in zip(s["k"], s["bits"], s["theory"]))
        + f", against the large-n limit ln 2 / 2 = {math.log(2) / 2:.2f} for faithful retrieval")


@summary("willshaw-auto", ("willshaw-auto",), _render_willshaw_auto)
def willshaw_auto_summary(table: Sequence[dict]) -> dict:
    """Per k, the peak trial-mean bits per synapse over the loads swept, and the theory at that load."""
    bits = aggregate(table, ["k", "patterns"], "bits")
    th = aggregate(table, ["k", "patterns"], "bits_theory")
    out: dict = {"k": [], "bits": [], "theory": []}
    for k in sorted({key[0] for key in bits}):
        best = max((key for key in bits if key[0] == k), key=lambda key: bits[key][0])
        out["k"].append(int(k))
        out["bits"].append(bits[best][0])
        out["theory"].append(th[best][0] if best in th else math.nan)
    return out


def _render_sdm(s: dict) -> str:
    ex = "; ".join(f"r = {r}: {m:.3f} vs {t:.3f} at T = {i}" for r, i, m, t in s["examples"])
    return (f"Where errors are resolved ({s['resolved']} points with at least 50 predicted bit errors) the "
            f"simulation lies within {100 * s['max_rel_dev']:.0f} % of it ({ex})")


@summary("sdr-sdm", ("sdr-sdm",), _render_sdm)
def sdm_summary(table: Sequence[dict], radius: int = 107, items: Sequence[int] = (800, 1600)) -> dict:
    """Trial-mean read bit error against the theory per (radius, items), at the points where
    the theory predicts at least 50 bit errors over every read (n x probes x trials bits):
    the largest relative deviation, and examples at ``radius`` for ``items``."""
    meas = aggregate(table, ["radius", "items"], "bit_error")
    th = aggregate(table, ["radius", "items"], "bit_error_theory")
    bits = {}
    for r in table:
        key = (r["radius"], r["items"])
        bits[key] = bits.get(key, 0) + int(r["n"]) * int(r["probes"])
    res = [k for k in meas if k in th and th[k][0] * bits[k] >= 50]
    return {"resolved": len(res),
            "max_rel_dev": float(max(abs(meas[k][0] / th[k][0] - 1) for k in res)) if res else math.nan,
            "examples": [(radius, i, meas[(radius, i)][0], th[(radius, i)][0]) for i in items if (radius, i) in meas]}


def _render_sparsey_similarity(s: dict) -> str:
    pts = ", ".join(f"{c:.2f} at {x:g}" for x, c in s["points"])
    return (f"Inputs below overlap {s['novel_below']:g} get chance-level codes (code overlap {s['novel_code']:.3f} "
            f"against 1/K = {s['chance']:.2f}); above that the code overlap with the stored code rises with the input "
            f"overlap ({pts})")


@summary("sdr-sparsey-similarity", ("sdr-sparsey-similarity",), _render_sparsey_similarity)
def sparsey_similarity_summary(table: Sequence[dict], at: Sequence[float] = (0.375, 0.5, 1.0)) -> dict:
    """Trial-mean code overlap against input overlap: the mean over the inputs whose code is
    at chance (within 0.02 of 1/K) and the largest such input overlap, and the overlap at the
    input overlaps nearest ``at``."""
    agg = aggregate(table, ["input_overlap"], "code_overlap")
    chance = float(table[0]["chance"])
    xs = sorted(k[0] for k in agg)
    novel = [x for x in xs if abs(agg[(x,)][0] - chance) <= 0.02]
    first = next((x for x in xs if x not in novel), None)
    pts = [(x, agg[(x,)][0]) for x in dict.fromkeys(min(xs, key=lambda v: abs(v - a)) for a in at)]
    return {"chance": chance, "novel_below": first if first is not None else math.nan,
            "novel_code": float(np.mean([agg[(x,)][0] for x in novel])) if novel else math.nan, "points": pts}


def _render_sparsey_capacity(s: dict) -> str:
    return (f"Best-match accuracy stays at 1.0 up to {s['perfect_up_to']} items and falls below 1/2 past "
            f"{_fmt(s['half'])} items as the binary weights saturate (the familiarity of novel inputs reaches "
            f"{s['novel_familiarity_max']:.2f}). The operation count per stored item "
            f"({', '.join(f'{v:,.0f}' for v in s['store_ops'])}) and per retrieved cue "
            f"({', '.join(f'{v:,.0f}' for v in s['retrieve_ops'])}) is the same at every store size")


@summary("sdr-sparsey-capacity", ("sdr-sparsey-capacity",), _render_sparsey_capacity)
def sparsey_capacity_summary(table: Sequence[dict]) -> dict:
    """The largest store size up to which every swept size has trial-mean accuracy 1, where the
    accuracy falls through 1/2, the largest novel-input familiarity, and the distinct operation
    counts per stored item and per retrieved cue over all store sizes."""
    acc = aggregate(table, ["items"], "accuracy")
    up_to = None
    for (items,), (a, _, _) in acc.items():
        if a < 1.0:
            break
        up_to = int(items)
    return {"perfect_up_to": up_to, "half": transition_points(table, x="items", y="accuracy", by="k").get(
                table[0]["k"], math.nan),
            "novel_familiarity_max": max(float(r["novel_familiarity"]) for r in table),
            "store_ops": sorted({float(r["store_ops"]) for r in table}),
            "retrieve_ops": sorted({float(r["retrieve_ops"]) for r in table})}


# --------------------------------------------------------------------------- tables and the README


def summary_tables(name: str, results: str | Path = "results", *, quick: bool = False) -> list[dict]:
    """The concatenated tables of summary ``name``'s specs from ``results/gallery`` (or
    ``results/gallery-quick``); FileNotFoundError names the missing store and how to make it."""
    from ..sweep import load_table

    sub = "gallery-quick" if quick else "gallery"
    table: list[dict] = []
    for spec in get_summary(name).specs:
        store = Path(results) / sub / f"{spec}.sqlite"
        if not store.is_file():
            how = f"assoc figures --only {spec}" + (" --quick" if quick else "")
            raise FileNotFoundError(f"{store} is missing: run `{how}` (or `assoc run {spec}`) first")
        table.extend(load_table(store))
    return table


def get_summary(name: str) -> Summary:
    if name not in SUMMARIES:
        raise ValueError(f"no summary named {name!r}; summaries: {sorted(SUMMARIES)}")
    return SUMMARIES[name]


def summarize(name: str, table: Sequence[dict] | None = None, *, results: str | Path = "results",
              quick: bool = False) -> dict:
    """The statistics of figure ``name`` from ``table`` (default: its stores under ``results``)."""
    if table is None:
        table = summary_tables(name, results, quick=quick)
    if not table:
        raise ValueError(f"summary {name!r} needs a table with rows")
    return get_summary(name).compute(table)


def summary_text(name: str, table: Sequence[dict] | None = None, **kwargs) -> str:
    """The README text of figure ``name`` (:func:`summarize` rendered)."""
    return get_summary(name).render(summarize(name, table, **kwargs))


def markers(name: str) -> tuple[str, str]:
    return f"<!-- summary:{name} -->", f"<!-- /summary:{name} -->"


def write_summaries(readme: str | Path = "figures/README.md", results: str | Path = "results", *,
                    quick: bool = False, names: Sequence[str] | None = None) -> list[str]:
    """Replace the text between each summary's markers in ``readme`` by :func:`summary_text`;
    returns the names written. Every registered summary must have its markers in the file."""
    readme = Path(readme)
    text = readme.read_text()
    done = []
    for name in names or SUMMARIES:
        start, end = markers(name)
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            raise ValueError(f"{readme} lacks the markers {start} ... {end}")
        body = summary_text(name, results=results, quick=quick)
        text = pattern.sub(lambda _: f"{start}{body}{end}", text, count=1)
        done.append(name)
    readme.write_text(text)
    return done


def main(argv: Sequence[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m assoc.figures.summaries", description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="summaries to compute (default: all)")
    ap.add_argument("--write", action="store_true", help="rewrite them between their markers in --readme")
    ap.add_argument("--quick", action="store_true", help="read results/gallery-quick")
    ap.add_argument("--results", default="results")
    ap.add_argument("--readme", default="figures/README.md")
    args = ap.parse_args(argv)
    names = args.names or list(SUMMARIES)
    for name in names:
        print(f"{name}: {summary_text(name, results=args.results, quick=args.quick)}")
    if args.write:
        write_summaries(args.readme, args.results, quick=args.quick, names=names)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
