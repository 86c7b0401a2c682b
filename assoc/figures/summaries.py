"""The statistics that ``figures/README.md`` quotes, computed from the gallery's sweep tables.

One summary per figure, registered by name in :data:`SUMMARIES` with the specs whose tables it
reads: ``compute(table) -> {statistic: value}`` and ``render(stats) -> text``. The README holds
each rendered text between the markers ``<!-- summary:NAME -->`` and ``<!-- /summary:NAME -->``,
and :func:`write_summaries` replaces them from the stores under ``results/gallery`` (the full
runs), so every number there is one these functions computed::

    python -m assoc.figures.summaries            # print every summary
    python -m assoc.figures.summaries --write    # and rewrite them in figures/README.md (and README.md)

``--quick`` reads ``results/gallery-quick`` (the stores of ``assoc figures --quick``) instead.
Specs outside the gallery (``ca3-capacity``, ``ca3-forgetting``, ``ca3-cam-recall``) are read
from the same folder (``assoc run SPEC --out results/gallery``). The figures that the examples
draw (the agent and POPGym benchmarks) have a ``source`` instead of specs: it reads or computes
their table (:func:`assoc.figures.agents.agent_learning_table`,
:func:`assoc.figures.rl.popgym_table`).
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
    whose tables it reads (concatenated, in this order), ``compute`` and ``render``; for a
    figure drawn by an example rather than a sweep, ``source(results, quick) -> table`` gives
    its table instead of ``specs``."""

    name: str
    specs: tuple[str, ...]
    compute: Callable[[Sequence[dict]], dict]
    render: Callable[[dict], str]
    source: Callable[[Path, bool], list[dict]] | None = None


#: Every summary, by figure name.
SUMMARIES: dict[str, Summary] = {}


def summary(name: str, specs: Sequence[str], render: Callable[[dict], str],
            source: Callable[[Path, bool], list[dict]] | None = None) -> Callable:
    """Register ``compute(table) -> dict`` as the summary of figure ``name`` (its table from
    the stores of ``specs``, or from ``source``)."""

    def wrap(compute: Callable) -> Callable:
        if name in SUMMARIES:
            raise ValueError(f"summary {name!r} is registered twice")
        if bool(specs) == (source is not None):
            raise ValueError(f"summary {name!r} needs either specs or a source")
        SUMMARIES[name] = Summary(name, tuple(specs), compute, render, source)
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
        if "rs_agree" in p:
            parts[-1] += (f" (replica-symmetric theory with the storage term at load {p['load']:.1g}: above 1/2 on the "
                          f"same side as the simulation at {100 * p['rs_agree']:.0f} % of the points, "
                          f"{100 * p['rs_agree_zero_load']:.0f} % at zero load)")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


@summary("dense-hebbian-phase", ("dense-hebbian-phase",), _render_dense_hebbian)
def dense_hebbian_summary(table: Sequence[dict]) -> dict:
    """Per protocol: the fraction of (r, M) grid points where the trial-mean archetype overlap
    exceeds 1/2 exactly where the mean-field retrieval solution exists (a nonzero overlap,
    which appears discontinuously at 0.44 or more on this grid), and the mean
    |simulation - theory| where the theory exceeds 1/2; where the rows carry beta, degree, n and
    archetypes, also the fraction on the same side of 1/2 as the replica-symmetric overlap with
    the storage term at the runs' load (and at zero load)."""
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
        if keys and all(c in rows[0] for c in ("beta", "degree", "n", "archetypes")):
            # the replica-symmetric theory with its storage term at the runs' load K / n**(P-1)
            degree = int(rows[0]["degree"])
            beta = None if math.isinf(float(rows[0]["beta"])) else float(rows[0]["beta"])
            load = float(rows[0]["archetypes"]) / float(rows[0]["n"]) ** (degree - 1)
            hit = hit0 = 0
            for r, m in keys:
                rho = (1 - r * r) / (m * r * r)
                m_rs = theory.dense_hebbian_rs(rho, beta, degree, load=load, protocol=proto, examples=int(m))[0]
                hit += (sim[(r, m)][0] > 0.5) == (m_rs > 0.5)
                hit0 += (sim[(r, m)][0] > 0.5) == (theory.dense_hebbian_rs(rho, beta, degree)[0] > 0.5)
            out[proto].update(load=load, rs_agree=hit / len(keys), rs_agree_zero_load=hit0 / len(keys))
    return out


def _render_dense_hebbian_learning(s: dict) -> str:
    parts = [f"{proto}: {100 * s[proto]['rs']:.0f} % with the storage term at load {s[proto]['load']:.1g} "
             f"({100 * s[proto]['rs_zero_load']:.0f} % at zero load), {100 * s[proto]['finite_m']:.0f} % for our "
             f"finite-M theory, of {s[proto]['cells']} cells" for proto in s["protocols"]]
    return ("The simulated overlap is on the same side of 1/2 as the replica-symmetric overlap in "
            + "; ".join(parts) + f". At 1/beta = 1 the retrieval state exists up to rho = {s['rho_exists']:.3g} and "
            f"is the equilibrium up to rho = {s['rho_stable']:.3g} (zero load)")


@summary("dense-hebbian-learning", ("dense-hebbian-learning",), _render_dense_hebbian_learning)
def dense_hebbian_learning_summary(table: Sequence[dict]) -> dict:
    """Per protocol, the fraction of (M, beta) cells where the trial-mean archetype overlap is
    above 1/2 exactly where the replica-symmetric overlap is, with the storage term at the
    runs' load K / n**(P-1), at zero load, and for our finite-M theory (the figure's
    :func:`assoc.figures.dense._rs_agreement_cells`); and the replica-symmetric lines at beta = 1."""
    from .dense import _rs_agreement_cells

    degree = int(table[0]["degree"])
    out: dict = {"protocols": sorted({r["protocol"] for r in table})}
    for proto in out["protocols"]:
        rows = [r for r in table if r["protocol"] == proto and math.isfinite(float(r["beta"]))]
        f_rs, f_ours, cells, f_zero = _rs_agreement_cells(rows, "m_archetype", degree)
        load = float(rows[0]["archetypes"]) / float(rows[0]["n"]) ** (degree - 1)
        out[proto] = {"rs": f_rs, "rs_zero_load": f_zero, "finite_m": f_ours, "cells": cells, "load": load}
    out["rho_exists"] = theory.dense_hebbian_rs_rho_c(1.0, degree, "exists", rtol=1e-6)
    out["rho_stable"] = theory.dense_hebbian_rs_rho_c(1.0, degree, "stable", rtol=1e-6)
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


# --------------------------------------------------------------------------- spiking CA3


def _pct(v: float) -> str:
    return f"{100 * v:.0f} %" if np.isfinite(v) else "n/a"


def _sorted_set(s: Sequence[int]) -> str:
    return "{" + ", ".join(str(i) for i in sorted(s)) + "}"


def _render_cam_raster(s: dict) -> str:
    parts = []
    for op in s["recalls"]:
        if op["by"] == "cue":
            parts.append(f"at {op['t']} ms, recall by cue {_sorted_set(op['input'])} returns the content "
                         f"{_sorted_set(op['output'])}")
        else:
            parts.append(f"at {op['t']} ms, recall by the content {_sorted_set(op['input'])} returns the cue(s) "
                         f"{_sorted_set(op['output'])}")
    return f"In the simulated {s['experiment']}: " + "; ".join(parts)


@summary("ca3-cam-raster", ("ca3-cam-raster",), _render_cam_raster)
def cam_raster_summary(table: Sequence[dict]) -> dict:
    """The recall operations of the simulated CAM experiment: per operation (split, as the
    figure splits them, at the first input spike of each burst) that presents only a cue or
    only content, what it presents and what the output population of the other side fires
    before the next operation."""
    from ..experiments.spiking import spike_column_from_text
    from .spiking import _cam_row

    row = _cam_row(table, None)
    spikes = {c: spike_column_from_text(row[f"raster_{c}"]) for c in ("INcue", "INcont", "OUTcue", "OUTcont")}
    starts = sorted(set(spikes["INcue"]) | set(spikes["INcont"]))
    ops = [t for k, t in enumerate(starts) if k == 0 or starts[k - 1] != t - 1]
    recalls = []
    for t, end in zip(ops, ops[1:] + [int(row["duration_ms"])]):
        cue, cont = spikes["INcue"].get(t), spikes["INcont"].get(t)
        if bool(cue) == bool(cont):
            continue  # learning: cue and content together
        out = spikes["OUTcont" if cue else "OUTcue"]
        recalls.append({"t": int(t), "by": "cue" if cue else "content", "input": sorted(cue or cont),
                        "output": sorted({i for ms, idx in out.items() if t <= ms < end for i in idx})})
    return {"experiment": str(row["experiment"]), "recalls": recalls}


def _render_cam_recall(s: dict) -> str:
    if s["cue_exact_min"] == 1.0 and s["bit_error_max"] == 0.0:
        text = "Recall by cue is exact at every spacing (no bit error"
    else:
        text = (f"Recall by cue: at least {_pct(s['cue_exact_min'])} of the cues are recalled exactly at every "
                f"spacing (largest bit error {s['bit_error_max']:.3f}")
    text += ("; the overwritten memories keep none of their forgotten bits). " if s["old_bits_max"] == 0.0 else
             f"; the overwritten memories keep up to {_pct(s['old_bits_max'])} of their forgotten bits). ")
    cod = " and ".join(f"{c:g}" for c in s["codings"])
    bits = " and ".join(f"{c * s['n_content']:.0f}" for c in s["codings"])
    text += (f"One-bit fragments returning exactly the cues holding the bit, for coding {cod} (about {bits} of the "
             f"{s['n_content']} bits of a memory): ")
    parts = [" and ".join(_pct(v) for v in vals) + f" at {op:g} ms" for op, vals in s["below"]]
    if np.isfinite(s["exact_from"]):
        parts.append(f"100 % from {s['exact_from']:g} ms on")
    else:
        parts.append("below 100 % at every spacing swept")
    return text + "; ".join(parts)


@summary("ca3-cam-recall", ("ca3-cam-recall",), _render_cam_recall)
def cam_recall_summary(table: Sequence[dict]) -> dict:
    """Over every trial: the smallest fraction of cues recalled exactly, the largest bit error
    and the largest fraction of forgotten bits still recalled; the trial-mean fraction of exact
    one-bit fragments per (spacing, coding), and the smallest spacing from which it is 1 at
    every larger spacing and coding (with the values below it)."""
    frag = aggregate(table, ["op_ms", "coding"], "fragment_exact")
    ops = sorted({k[0] for k in frag})
    codings = sorted({k[1] for k in frag})
    exact = [op for op in ops if all(frag[(o, c)][0] == 1.0 for o in ops if o >= op for c in codings if (o, c) in frag)]
    exact_from = min(exact) if exact else math.nan
    codings = sorted(codings, reverse=True)
    below = [(op, [frag.get((op, c), (math.nan,))[0] for c in codings]) for op in ops if not exact or op < exact_from]
    return {"codings": codings, "cue_exact_min": float(min(r["cue_exact"] for r in table)),
            "bit_error_max": float(max(r["bit_error"] for r in table)),
            "old_bits_max": float(max(r["old_bits_left"] for r in table)),
            "n_content": int(table[0]["n_content"]), "exact_from": exact_from, "below": below}


def _range(lo: float, hi: float, fmt: str = ".2f", scale: float = 1.0) -> str:
    a, b = f"{scale * lo:{fmt}}", f"{scale * hi:{fmt}}"
    return a if a == b else f"{a}-{b}"


def _render_ca3_completion(s: dict) -> str:
    text = (f"With {s['patterns_lo']} stored patterns the network completes cues of {100 * s['small']:.0f} % of the "
            f"assembly ({s['small_cells']} cells) to an overlap of {s['m_small']:.2f} (cue alone "
            f"{s['m_cue_small']:.2f})")
    if s["big"]:
        text += (f" and is at {_range(s['m_big_min'], s['m_big_max'])} from {100 * s['big_from']:.0f} % on, with "
                 f"{_range(s['active_min'], s['active_max'], '.1f', 100)} % of the cells active (rate "
                 f"{_range(s['rate_min'], s['rate_max'], '.0f')} Hz); {_pct(s['retrieved_big'])} of the probes land in "
                 f"the cued attractor from {100 * s['big_from']:.0f} % on")
    if s["patterns_hi"] != s["patterns_lo"]:
        text += (f". With {s['patterns_hi']} patterns {_pct(s['retrieved_hi'])} do ("
                 f"{_range(s['retrieved_hi_min'], s['retrieved_hi_max'], '.0f', 100)} % over the cue sizes)")
    return text


@summary("ca3-completion", ("ca3-completion",), _render_ca3_completion)
def ca3_completion_summary(table: Sequence[dict], small: float = 0.1, big_from: float = 0.2) -> dict:
    """Trial means per (stored patterns, fraction of the assembly cued = 1 - cue_fraction):
    at the fewest patterns, the final overlap and the cue's own at the cued fraction nearest
    ``small``, the range of the final overlap at cued fractions >= ``big_from`` with the range
    of the active fraction and rate there, and the fraction of probes retrieved over them
    (pooled); at the most patterns, the fraction retrieved pooled over every cue size and its
    range."""
    rows = [dict(r, cued=round(1.0 - float(r["cue_fraction"]), 12)) for r in table]
    ps = sorted({int(r["patterns"]) for r in rows})
    lo, hi = ps[0], ps[-1]
    at_lo = [r for r in rows if int(r["patterns"]) == lo]
    cueds = sorted({r["cued"] for r in at_lo})
    near = min(cueds, key=lambda c: abs(c - small))
    big = [c for c in cueds if c >= big_from - 1e-9]

    def mean(sel, col):
        return float(np.mean([r[col] for r in sel])) if sel else math.nan

    def per(sel, col):
        agg = aggregate(sel, ["cued"], col)
        return [agg[(c,)][0] for c in big if (c,) in agg]

    at_small = [r for r in at_lo if r["cued"] == near]
    k = max(1, int(round(float(rows[0]["a"]) * int(rows[0]["n"]))))
    in_big = [r for r in at_lo if r["cued"] in big]
    at_hi = aggregate([r for r in rows if int(r["patterns"]) == hi], ["cued"], "retrieved")
    return {
        "patterns_lo": lo, "patterns_hi": hi, "small": near, "small_cells": max(1, int(round(near * k))),
        "m_small": mean(at_small, "m_mean"), "m_cue_small": mean(at_small, "m_cue"),
        "big": big, "big_from": min(big) if big else math.nan,
        "m_big_min": min(per(at_lo, "m_mean"), default=math.nan), "m_big_max": max(per(at_lo, "m_mean"), default=math.nan),
        "active_min": min(per(at_lo, "active_fraction"), default=math.nan),
        "active_max": max(per(at_lo, "active_fraction"), default=math.nan),
        "rate_min": min(per(at_lo, "rate_hz"), default=math.nan), "rate_max": max(per(at_lo, "rate_hz"), default=math.nan),
        "retrieved_big": mean(in_big, "retrieved"),
        "retrieved_hi": float(np.mean([v[0] for v in at_hi.values()])),
        "retrieved_hi_min": min(v[0] for v in at_hi.values()), "retrieved_hi_max": max(v[0] for v in at_hi.values()),
    }


def _render_ca3_capacity(s: dict) -> str:
    a = ", ".join(f"{v:g}" for v in s["a"])
    text = (f"P_max = {', '.join(_fmt(v, 2) for v in s['p_max'])} stored patterns for a = {a} (C = {s['C']:.0f}). "
            f"The Treves-Rolls capacity k C / (a ln(1/a)) with the theory's k = {s['k']:g} (not fitted) is "
            f"{', '.join(f'{v:.0f}' for v in s['theory'])}: measured / theory = "
            f"{', '.join(_fmt(v, 2) for v in s['ratio'])}")
    if s["steps"]:
        text += (". Between successive coding levels P_max goes as a^e with e = "
                 + ", ".join(f"{e:+.2f} ({lo:g} to {hi:g})" for lo, hi, e, _ in s["steps"])
                 + " where the scaling has e = " + ", ".join(f"{t:+.2f}" for _, _, _, t in s["steps"]))
        spans: list[list[float]] = []  # runs of successive steps that agree
        for lo, hi, e, t in s["steps"]:
            if abs(e - t) <= s["within"]:
                if spans and spans[-1][1] == lo:
                    spans[-1][1] = hi
                else:
                    spans.append([lo, hi])
        text += (f"; the two agree within {s['within']:g} from a = "
                 + " and from ".join(f"{lo:g} to {hi:g}" for lo, hi in spans) if spans
                 else f"; they agree within {s['within']:g} nowhere")
    return text + (f". The mean active fraction in the read window stays between {s['activity_min']:.2f} a and "
                   f"{s['activity_max']:.2f} a over every coding level and load (per coding level: "
                   + ", ".join(f"{lo:.2f}-{hi:.2f} a at a = {g:g}" for g, lo, hi in
                               zip(s["a"], s["activity_lo"], s["activity_hi"])) + ")")


@summary("ca3-capacity", ("ca3-capacity",), _render_ca3_capacity)
def ca3_capacity_summary(table: Sequence[dict], within: float = 0.25) -> dict:
    """As the figure (:func:`assoc.figures.spiking.ca3_capacity_points`): per coding level a, the
    stored patterns where the trial-mean fraction retrieved falls through 1/2 (P_max), the
    Treves-Rolls capacity with the theory's k = 0.2 (nothing fitted) and the ratio measured /
    theory; between successive coding levels, the local exponent e of P_max ~ a^e against the
    scaling's (they agree where they differ by at most ``within``); and the range of the
    trial-mean active fraction over a across the swept loads, per coding level and over all."""
    from .spiking import ca3_capacity_points

    cap = ca3_capacity_points(table)
    gs = [i for i, v in enumerate(cap["p_max"]) if np.isfinite(v)]

    def exponent(vals, i, j):
        return math.log(vals[j] / vals[i]) / math.log(cap["a"][j] / cap["a"][i])

    steps = [(cap["a"][i], cap["a"][j], exponent(cap["p_max"], i, j), exponent(cap["theory"], i, j))
             for i, j in zip(gs[:-1], gs[1:])]
    lo = [min(act.values(), default=math.nan) for act in cap["activity"]]
    hi = [max(act.values(), default=math.nan) for act in cap["activity"]]
    return {"a": cap["a"], "p_max": cap["p_max"], "C": float(np.nanmean(cap["C"])), "k": cap["k"],
            "theory": cap["theory"], "ratio": cap["ratio"], "steps": steps, "within": within,
            "activity_lo": lo, "activity_hi": hi, "activity_min": float(np.nanmin(lo)),
            "activity_max": float(np.nanmax(hi))}


def _render_ca3_forgetting(s: dict) -> str:
    parts = []
    for i, g in enumerate(reversed(s["groups"])):  # the strongest depression first
        old = f"none older than {g['oldest']}" if g["oldest"] else "none at all"
        if i == 0:
            parts.append(f"With depression eta_minus = {g['eta_minus']:g} per pre-synaptic spike the {s['bin']} newest "
                         f"memories are retrieved {_pct(g['newest_ok'])} of the time (overlap {g['newest_m']:.2f}) "
                         f"and {old}")
        else:
            parts.append(f"with {g['eta_minus']:g}, {_pct(g['newest_ok'])} (overlap {g['newest_m']:.2f}) and {old}")
    text = "; ".join(parts)
    if len(s["groups"]) > 1:
        weak, strong = s["groups"][0], s["groups"][-1]
        word = ("less often" if weak["newest_ok"] < strong["newest_ok"] else
                "more often" if weak["newest_ok"] > strong["newest_ok"] else "as often")
        text += f": the weakest depression retrieves its newest memories {word} than the strongest"
    return text


@summary("ca3-forgetting", ("ca3-forgetting",), _render_ca3_forgetting)
def ca3_forgetting_summary(table: Sequence[dict], bin_width: int = 5) -> dict:
    """Per depression rate eta_minus: the retrieval success and final overlap of the newest
    ``bin_width`` memories (the figure's first age bin; mean over those ages and the trials),
    and the oldest age retrieved in any trial."""
    groups = []
    for eta in sorted({float(r["eta_minus"]) for r in table}):
        rows = [r for r in table if float(r["eta_minus"]) == eta]
        ages = sorted({int(k[len("ok_age_"):]) for r in rows for k in r if k.startswith("ok_age_")})
        ok = np.array([[r[f"ok_age_{a}"] for a in ages] for r in rows], dtype=float)
        m = np.array([[r[f"m_age_{a}"] for a in ages] for r in rows], dtype=float)
        new = [i for i, a in enumerate(ages) if a <= bin_width]
        kept = [a for i, a in enumerate(ages) if np.nanmax(ok[:, i]) > 0]
        groups.append({"eta_minus": eta, "newest_ok": float(np.nanmean(ok[:, new])),
                       "newest_m": float(np.nanmean(m[:, new])), "oldest": max(kept) if kept else 0})
    return {"bin": bin_width, "groups": groups}


# --------------------------------------------------------------------------- agents


_AGENT_NAMES = {"none": "no memory", "hopfield": "Hopfield", "dense": "dense", "modern_hopfield": "modern Hopfield",
                "willshaw": "Willshaw", "linear_attention": "linear attention", "deltanet": "DeltaNet",
                "softmax_attention": "softmax attention"}


def _agent_order(agents) -> list[str]:
    order = list(_AGENT_NAMES)
    return sorted(set(agents), key=lambda g: (order.index(g) if g in order else len(order), str(g)))


def _render_agent(s: dict) -> str:
    mem = [f"{v:.2f} ({_AGENT_NAMES.get(a, a)})" for a, v in s["success"].items() if a != "none"]
    text = f"success over the last {s['last']} episodes " + ", ".join(mem)
    if "none" in s["success"]:
        text += f" against {s['success']['none']:.2f} without memory"
    return text + f"; {s['seeds']} seeds"


@summary("agent-learning", (), _render_agent, source=lambda results, quick: _agents().agent_learning_table(
    results, quick=quick))
def agent_summary(table: Sequence[dict], last: int = 100) -> dict:
    """Per agent (the figure's order): the mean reward over the last ``last`` episodes of
    every seed (fewer when the table has fewer), as ``examples/memory_agent.py`` prints it."""
    n_ep = 1 + max(int(r["episode"]) for r in table)
    last = min(last, n_ep)
    success = {a: float(np.mean([r["reward"] for r in table if r["agent"] == a and int(r["episode"]) >= n_ep - last]))
               for a in _agent_order(r["agent"] for r in table)}
    return {"last": last, "seeds": len({r["seed"] for r in table}), "success": success}


def _agents():
    from . import agents

    return agents


def _rl():
    from . import rl

    return rl


def _render_rl(s: dict) -> str:
    envs = s["envs"]
    short = {e: e.replace("Easy", "") for e in envs}
    lines = ["| family | " + " | ".join(f"{short[e]} return | recall" for e in envs) + " |",
             "|---|" + "---|---|" * len(envs)]
    for a in s["agents"]:
        cells = []
        for e in envs:
            f = s["final"].get(e, {}).get(a)
            rec = s["recall"].get(e, {}).get(a)
            cells.append(f"{f['mean']:+.3f} +/- {f['sd']:.3f}" if f else "")
            cells.append(f"{rec:.3f}" if rec is not None else "")
        lines.append(f"| {_AGENT_NAMES.get(a, a)} | " + " | ".join(cells) + " |")
    text = "\n" + "\n".join(lines) + "\n\n"
    sm = s["smallest_gain"]
    if sm:
        lead = ("Every memory lifts the agent above guessing: the smallest" if sm["gain"] > 2 * sm["se"] else
                "The smallest")
        text += (f"{lead} gain over no memory, {_AGENT_NAMES.get(sm['agent'], sm['agent'])} on {short[sm['env']]}, "
                 f"is {sm['gain']:+.3f} +/- {sm['se']:.3f} (standard error, Welch). ")
    if s["perfect"]:
        names = ", ".join(_AGENT_NAMES.get(a, a) for a in s["perfect"])
        text += f"Recalling every card ({names}), the agents end within {s['perfect_gap']:.3f} of the perfect return 1"
        if s["reached"] == s["curves"]:
            text += (f", and the figure's {s['window']}-episode mean first reaches {s['level']:g} after "
                     f"{_range(s['reach_min'], s['reach_max'], '.0f')} episodes. ")
        else:
            text += (f"; the figure's {s['window']}-episode mean reaches {s['level']:g} in {s['reached']} of their "
                     f"{s['curves']} curves. ")
    h = s["hopfield"]
    if h:
        text += (f"The Hopfield network stores {h['items']} patterns of {h['code_dim']} + {h['value_dim']} units (load "
                 f"{h['load']:.2f} against alpha_c = {s['ags']:.3f}) and recalls the right suit "
                 + " and ".join(f"{_pct(v)} ({short[e]})" for e, v in h["recall"].items()) + " of the time. ")
    for a, e, f, r in s["right"]:
        name = _AGENT_NAMES.get(a, a)
        text += (f"{name[:1].upper() + name[1:]} on {short[e]}: {r:.3f} recall and a return of {f:.3f}, i.e. "
                 f"{_pct((1 + f) / 2)} right answers"
                 + (": the sampled policy loses a little more than the recall. " if (1 + f) / 2 < r else ". "))
    return text.rstrip()


@summary("rl-popgym", (), _render_rl, source=lambda results, quick: _rl().popgym_table(results, quick=quick))
def rl_popgym_summary(table: Sequence[dict], last: int = 20, level: float = 0.98, window: int = 5,
                      noisy: Sequence[tuple[str, str]] = (("linear_attention", "RepeatPreviousEasy"),)) -> dict:
    """The POPGym benchmark: per (env, agent), the final return (each seed's mean over its last
    ``last`` episodes; mean and sd over seeds, as ``examples/popgym_memory.py`` prints it) and the
    recall accuracy (mean over seeds); the smallest gain over the agent without memory with its
    Welch standard error; the agents whose recall is 1 in every env, how far below 1 their final
    returns fall and the episode at which the figure's curve (``window``-episode means, averaged
    over seeds) first reaches ``level``; the Hopfield network's load (cards per episode over its
    units) against alpha_c; and, for the (agent, env) pairs of ``noisy``, the fraction of right
    answers (1 + return) / 2."""
    returns = [r for r in table if "return" in r and r.get("return") is not None]
    recalls = [r for r in table if "recall" in r and r.get("recall") is not None]
    envs = list(dict.fromkeys(r["env"] for r in returns))
    agents = _agent_order(r["agent"] for r in returns)
    series: dict = {}
    for r in returns:
        series.setdefault((r["env"], r["agent"], r["seed"]), {})[int(r["episode"])] = float(r["return"])
    finals: dict = {}
    for (e, a, _), eps in series.items():
        ks = sorted(eps)
        finals.setdefault((e, a), []).append(float(np.mean([eps[k] for k in ks[-last:]])))
    final = {e: {a: {"mean": float(np.mean(v)), "sd": float(np.std(v, ddof=1)) if len(v) > 1 else math.nan}
                 for (e2, a), v in finals.items() if e2 == e} for e in envs}
    recall: dict = {}
    for (e, a) in dict.fromkeys((r["env"], r["agent"]) for r in recalls):
        recall.setdefault(e, {})[a] = float(np.mean([r["recall"] for r in recalls if r["env"] == e and r["agent"] == a]))
    gains = []
    for (e, a), v in finals.items():
        base = finals.get((e, "none"))
        if a != "none" and base is not None and len(v) > 1 and len(base) > 1:
            se = math.sqrt(np.var(v, ddof=1) / len(v) + np.var(base, ddof=1) / len(base))
            gains.append({"env": e, "agent": a, "gain": float(np.mean(v) - np.mean(base)), "se": se})
    perfect = [a for a in agents if a != "none" and all(recall.get(e, {}).get(a, 0.0) >= 1.0 for e in envs)]
    reach = []
    for a in perfect:
        for e in envs:
            curves = [np.convolve([eps[k] for k in sorted(eps)], np.ones(window) / window, mode="valid")
                      for (e2, a2, _), eps in series.items() if (e2, a2) == (e, a)]
            n = min(len(c) for c in curves)
            mean = np.mean([c[:n] for c in curves], axis=0)
            hit = np.flatnonzero(mean >= level)
            reach.append(float(hit[0] + window) if hit.size else math.nan)
    hop = [r for r in recalls if r["agent"] == "hopfield"]
    hopfield = ({"items": int(hop[0]["items"]), "code_dim": int(hop[0]["code_dim"]),
                 "value_dim": int(hop[0]["value_dim"]),
                 "load": int(hop[0]["items"]) / (int(hop[0]["code_dim"]) + int(hop[0]["value_dim"])),
                 "recall": _recall_of("hopfield", envs, recall)} if hop else None)
    return {
        "envs": envs, "agents": agents, "final": final, "recall": recall,
        "smallest_gain": min(gains, key=lambda g: g["gain"]) if gains else None,
        "perfect": perfect, "window": window, "level": level,
        "perfect_gap": max((1.0 - final[e][a]["mean"] for a in perfect for e in envs), default=math.nan),
        "curves": len(reach), "reached": int(np.isfinite(reach).sum()) if reach else 0,
        "reach_min": float(np.nanmin(reach)) if np.isfinite(reach).any() else math.nan,
        "reach_max": float(np.nanmax(reach)) if np.isfinite(reach).any() else math.nan,
        "hopfield": hopfield, "ags": float(theory.ags_alpha_c()),
        "right": [(a, e, final[e][a]["mean"], recall[e][a]) for a, e in noisy
                  if a in final.get(e, {}) and a in recall.get(e, {})],
    }


def _recall_of(agent: str, envs: Sequence[str], recall: dict) -> dict:
    """``{env: recall accuracy}`` of ``agent`` where it was measured."""
    return {e: recall[e][agent] for e in envs if agent in recall.get(e, {})}


# --------------------------------------------------------------------------- tables and the README


def summary_tables(name: str, results: str | Path = "results", *, quick: bool = False) -> list[dict]:
    """The concatenated tables of summary ``name``'s specs from ``results/gallery`` (or
    ``results/gallery-quick``); FileNotFoundError names the missing store and how to make it."""
    from ..gallery import registry
    from ..sweep import load_table

    summ = get_summary(name)
    if summ.source is not None:
        return summ.source(Path(results), quick)
    sub = "gallery-quick" if quick else "gallery"
    table: list[dict] = []
    for spec in summ.specs:
        store = Path(results) / sub / f"{spec}.sqlite"
        if not store.is_file():
            run = f"assoc run {spec} --out {Path(results) / sub} --no-figure" + (" --quick" if quick else "")
            how = f"`assoc figures --only {spec}" + (" --quick" if quick else "") + f"` or `{run}`"
            raise FileNotFoundError(f"{store} is missing: run {how if spec in registry() else f'`{run}`'} first")
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
                    quick: bool = False, names: Sequence[str] | None = None, require: bool = True,
                    texts: dict[str, str] | None = None) -> list[str]:
    """Replace the text between each summary's markers in ``readme`` by :func:`summary_text`
    (or by ``texts[name]`` where given); returns the names written. With ``require`` every
    summary named (default: all) must have its markers in the file; without, those that have
    none are skipped (``README.md`` quotes a few)."""
    readme = Path(readme)
    text = readme.read_text()
    done = []
    for name in names or SUMMARIES:
        start, end = markers(name)
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
        if not pattern.search(text):
            if not require:
                continue
            raise ValueError(f"{readme} lacks the markers {start} ... {end}")
        body = texts[name] if texts and name in texts else summary_text(name, results=results, quick=quick)
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
    ap.add_argument("--readme", default="figures/README.md", help="the page holding every summary's markers")
    ap.add_argument("--also", nargs="*", default=["README.md"],
                    help="pages quoting some of the summaries (their markers, where present, are rewritten too)")
    args = ap.parse_args(argv)
    names = args.names or list(SUMMARIES)
    texts = {name: summary_text(name, results=args.results, quick=args.quick) for name in names}
    for name, text in texts.items():
        print(f"{name}: {text}")
    if args.write:
        write_summaries(args.readme, args.results, quick=args.quick, names=names, texts=texts)
        for page in args.also:
            write_summaries(page, args.results, quick=args.quick, names=names, require=False, texts=texts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
