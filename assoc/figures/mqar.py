"""Multi-query associative recall (MQAR): the assoc families next to sequence-model rules."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import theory
from ..metrics import transition_points
from ..registry import get_family
from ._common import _series, plt
from ._registry import figure_kind


def _style(families: Sequence[str]) -> dict:
    """``{family: (label, colour, line style, marker)}``: the fast-weight memories of sequence
    models dashed, the other families solid, colours in registry order."""
    from ..registry import families as registered

    order = [f for f in registered() if f in families]
    cmap = plt.cm.tab20
    markers = "ov<>^sDP*Xdph"
    out = {}
    for i, f in enumerate(order):
        fam = get_family(f)
        rule = isinstance(fam.target, str) and fam.target.startswith("assoc.memories.fastweight:")
        out[f] = (f, cmap(i % cmap.N), "--" if rule else "-", markers[i % len(markers)])
    return out


def mqar_capacity(table: Sequence[dict], *, level: float = 0.5, x: str = "n_pairs", y: str = "accuracy",
                  by: str = "family", dim: str = "key_dim") -> dict:
    """``{(family, key_dim): n_pairs}`` where the mean accuracy falls through ``level`` (NaN: it
    never does within the grid; the value is then at least the largest n_pairs measured)."""
    out = {}
    for m in sorted({r[by] for r in table}):
        rows = [r for r in table if r[by] == m]
        for d, xc in transition_points(rows, x=x, y=y, by=dim, level=level).items():
            out[(m, d)] = xc
    return out


@figure_kind("mqar_recall", columns=("family", "key_dim", "n_pairs", "accuracy", "state_size"))
def mqar_recall(
    table: Sequence[dict],
    *,
    y: str = "accuracy",
    level: float = 0.5,
    title: str = "Multi-query associative recall (MQAR)",
) -> plt.Figure:
    """MQAR recall of every family against the load and against the state it writes.

    Top: accuracy against pairs per key entry P / d, one panel per key dimension d (the
    fast-weight memories of sequence models dashed, the other families solid; thin line:
    chance 1 / vocab). Bottom left: the number of pairs where accuracy falls to ``level``
    against the numbers the memory holds at that point (its state size; one line per family
    through the key dimensions; open triangles: accuracy never fell, so at least the largest
    P run). Bottom middle: the fraction of wrong value entries of linear attention against
    P / d, every d on one curve, with the signal-to-noise theory
    :func:`assoc.theory.linear_attention_bit_error` (not fitted).
    """
    dims = sorted({r["key_dim"] for r in table})
    style = _style({r["family"] for r in table})
    fams = list(style)
    ncol = max(3, len(dims))
    fig, axes = plt.subplots(2, ncol, figsize=(4.3 * ncol, 8.6), constrained_layout=True)
    for ax in axes[0, len(dims):]:
        ax.axis("off")
    handles = []
    for ax, d in zip(axes[0], dims):
        rows = [{**r, "load": r["n_pairs"] / d} for r in table if r["key_dim"] == d]
        series = _series(rows, "load", y, "family")
        for m in fams:
            if m not in series:
                continue
            label, color, ls, marker = style[m]
            xs, ms, es = series[m]
            h = ax.errorbar(xs, ms, yerr=es, color=color, ls=ls, marker=marker, ms=4, lw=1.3, label=label)
            if d == dims[0]:
                handles.append(h)
        ax.axvline(1.0, color="gray", ls=":", lw=1)
        ax.text(1.0, 1.03, " P = d", color="gray", fontsize=8)
        vocab = {r.get("vocab") for r in rows} - {None}
        if len(vocab) == 1:
            ax.axhline(1.0 / vocab.pop(), color="gray", lw=0.5)
        ax.set_xscale("log", base=2)
        ax.set_ylim(-0.03, 1.08)
        ax.set_xlabel("pairs per key entry P / d")
        ax.set_ylabel(f"recall {y}")
        ax.set_title(f"key dimension d = {d}", fontsize=10)

    cap = mqar_capacity(table, level=level, y=y)
    top = max(r["n_pairs"] for r in table)
    ax = axes[1, 0]
    for m in fams:
        label, color, ls, marker = style[m]
        pts = []
        for d in dims:
            pc = cap.get((m, d), np.nan)
            at = top if not np.isfinite(pc) else pc
            rows = [r for r in table if r["family"] == m and r["key_dim"] == d]
            if not rows:
                continue
            ps = np.array(sorted({r["n_pairs"] for r in rows}), dtype=float)
            sizes = np.array([np.mean([r["state_size"] for r in rows if r["n_pairs"] == q]) for q in ps])
            size = float(np.exp(np.interp(np.log(at), np.log(ps), np.log(sizes))))  # state held at that P
            pts.append((size, at, not np.isfinite(pc)))
        if not pts:
            continue
        xs, ys, never = (np.array(v) for v in zip(*pts))
        ax.plot(xs, ys, color=color, ls=ls, marker=marker, ms=5, lw=1.3)
        ax.plot(xs[never], ys[never], color=color, marker="^", ms=10, ls="none", mfc="none")
    ax.set_xscale("log", base=10)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("state size at that load (numbers held)")
    ax.set_ylabel(f"pairs P where {y} falls to {level}")
    ax.set_title("recall per state number (open triangles: beyond the largest P run)", fontsize=9)

    ax = axes[1, 1]
    lin = [r for r in table if r["family"] == "linear_attention" and "bit_error" in r]
    shades = plt.cm.Reds(np.linspace(0.45, 0.95, max(1, len(dims))))
    for c, d in zip(shades, dims):
        rows = [{**r, "load": r["n_pairs"] / d} for r in lin if r["key_dim"] == d]
        if not rows:
            continue
        xs, ms, es = _series(rows, "load", "bit_error", None)[None]
        ax.errorbar(xs, ms, yerr=es, color=c, marker="v", ms=4, lw=0, elinewidth=1,
                    label=f"linear attention, d = {d}")
    if lin:
        loads = np.geomspace(min(r["n_pairs"] for r in lin) / max(dims), top / min(dims), 200)
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
    axes[1, 2].legend(handles=handles, loc="center", fontsize=8, title="family (dashed: sequence-model rules)",
                      frameon=False, ncol=2 if len(handles) > 10 else 1)
    for ax in axes[1, 3:]:
        ax.axis("off")
    fig.suptitle(title)
    return fig
