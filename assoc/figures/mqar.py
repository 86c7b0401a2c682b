"""Multi-query associative recall (MQAR): the assoc families next to sequence-model rules."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import theory
from ..metrics import transition_points
from ._common import _series, plt
from ._registry import figure_kind


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


@figure_kind("mqar_recall", columns=("method", "key_dim", "n_pairs", "accuracy"))
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
