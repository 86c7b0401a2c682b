"""Numba CPU kernels of the fast-weight memories' per-token recurrences.

Same signatures, arithmetic and order of operations as the twins in
:mod:`assoc.kernels.ref_fastweight` (results agree to floating-point rounding); inputs are
trusted and states are updated in place. MLP weights come as a tuple of (out, in) float64
arrays, one per layer.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def matrix_scan(state, keys, values, lr, keep, subtract):
    nb, nt, d = keys.shape
    dv = values.shape[2]
    err = np.empty(dv)
    for b in range(nb):
        s = state[b]
        for t in range(nt):
            k = keys[b, t]
            v = values[b, t]
            if keep != 1.0:
                for i in range(dv):
                    for j in range(d):
                        s[i, j] *= keep
            for i in range(dv):
                acc = 0.0
                if subtract:
                    for j in range(d):
                        acc += s[i, j] * k[j]
                err[i] = lr * (v[i] - acc)
            for i in range(dv):
                e = err[i]
                for j in range(d):
                    s[i, j] += e * k[j]
    return state


@njit(cache=True)
def _silu(a):
    return a / (1.0 + np.exp(-a))


@njit(cache=True)
def _silu_prime(a):
    s = 1.0 / (1.0 + np.exp(-a))
    return s * (1.0 + a * (1.0 - s))


@njit(cache=True)
def _powabs(x, e):
    """``|x| ** e``, by multiplication for the exponents 1 to 4 (pow is slow)."""
    a = np.abs(x)
    if e == 2.0:
        return a * a
    if e == 4.0:
        a2 = a * a
        return a2 * a2
    if e == 3.0:
        return a * a * a
    if e == 1.0:
        return a
    return a ** e


@njit(cache=True)
def _sign(x):
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


@njit(cache=True)
def neural_scan(weights, aux, keys, values, rule, lr, momentum, decay, p, q, huber, scale):
    nl = len(weights)
    nt = keys.shape[0]
    width = keys.shape[1]
    for layer in range(nl):
        width = max(width, weights[layer].shape[0])
    hs = np.zeros((nl, width))   # input of each layer
    pre = np.zeros((nl, width))  # pre-activation of each hidden layer
    g = np.zeros(width)
    g_next = np.zeros(width)
    zrow = np.zeros(width)
    keep = 1.0 - decay
    grads = [np.zeros_like(w) for w in weights]
    for t in range(nt):
        # forward
        d0 = keys.shape[1]
        for j in range(d0):
            hs[0, j] = keys[t, j]
        for layer in range(nl - 1):
            w = weights[layer]
            for i in range(w.shape[0]):
                acc = 0.0
                for j in range(w.shape[1]):
                    acc += w[i, j] * hs[layer, j]
                pre[layer, i] = acc
                hs[layer + 1, i] = _silu(acc)
        w = weights[nl - 1]
        dv = w.shape[0]
        sq = 0.0
        for i in range(dv):
            acc = 0.0
            for j in range(w.shape[1]):
                acc += w[i, j] * hs[nl - 1, j]
            e = acc - values[t, i]
            g[i] = e
            sq += e * e
        beyond = rule == 2 and np.sqrt(sq) > huber
        for i in range(dv):
            e = g[i]
            if rule == 1:
                g[i] = p * _sign(e) * _powabs(e, p - 1.0)
            elif beyond:
                g[i] = huber * _sign(e)
            else:
                g[i] = 2.0 * e
        # backward: every gradient at the current weights
        for layer in range(nl - 1, -1, -1):
            w = weights[layer]
            gl = grads[layer]
            for i in range(w.shape[0]):
                for j in range(w.shape[1]):
                    gl[i, j] = g[i] * hs[layer, j]
            if layer:
                for j in range(w.shape[1]):
                    acc = 0.0
                    for i in range(w.shape[0]):
                        acc += w[i, j] * g[i]
                    g_next[j] = acc * _silu_prime(pre[layer - 1, j])
                for j in range(w.shape[1]):
                    g[j] = g_next[j]
        # update
        for layer in range(nl):
            w = weights[layer]
            a = aux[layer]
            gl = grads[layer]
            rows, cols = w.shape
            if rule == 0:
                for i in range(rows):
                    for j in range(cols):
                        a[i, j] = a[i, j] * momentum - lr * gl[i, j]
                        w[i, j] = w[i, j] * keep + a[i, j]
            elif rule == 1:
                norm = 0.0
                for i in range(rows):
                    for j in range(cols):
                        a[i, j] = a[i, j] * keep - lr * gl[i, j]
                        norm += _powabs(a[i, j], q)
                scale_q = 0.0 if norm == 0.0 else 1.0 / (norm ** (1.0 / q)) ** (q - 2.0)
                for i in range(rows):
                    for j in range(cols):
                        w[i, j] = a[i, j] * scale_q
            elif rule == 2:
                for i in range(rows):
                    for j in range(cols):
                        w[i, j] = w[i, j] * keep - lr * gl[i, j]
            else:
                for i in range(rows):
                    top = -np.inf
                    for j in range(cols):
                        z = keep * np.log(max(w[i, j] / scale, 1e-300)) - lr * gl[i, j]
                        zrow[j] = z
                        top = max(top, z)
                    total = 0.0
                    for j in range(cols):
                        zrow[j] = np.exp(zrow[j] - top)
                        total += zrow[j]
                    for j in range(cols):
                        w[i, j] = scale * zrow[j] / total
    return weights
