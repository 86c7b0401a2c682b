"""Reference twins of the fast-weight memories' per-token recurrences (NumPy, one token at a time).

The compiled variants in :mod:`assoc.kernels.cpu_fastweight` perform the same arithmetic
in the same order; :mod:`assoc.memories.fastweight` documents the rules. Inputs are trusted
(validated by the public classes); states are updated in place.

``matrix_scan(state, keys, values, lr, keep, subtract)``
    Batch-first over independent sequences: ``state`` (B, dv, d), ``keys`` (B, T, d),
    ``values`` (B, T, dv). Per token: ``S <- keep S``, then
    ``S <- S + lr (v - S k) k^T`` (``subtract``: the delta rule) or ``S <- S + lr v k^T``.
``neural_scan(weights, aux, keys, values, rule, lr, momentum, decay, p, q, huber, scale)``
    One sequence through an MLP memory: ``weights`` and ``aux`` are tuples of (out, in)
    float64 arrays (layer by layer), ``keys`` (T, d), ``values`` (T, dv); ``rule`` is the
    index of the rule in :data:`NEURAL_RULES`.
"""

from __future__ import annotations

import numpy as np

#: The MLP-memory rules, in the order of the ``rule`` code the kernels take.
NEURAL_RULES = ("titans", "moneta", "yaad", "memora")


def matrix_scan(state, keys, values, lr, keep, subtract):
    """Write ``T`` pairs into each of ``B`` matrix states, token by token (in place)."""
    for t in range(keys.shape[1]):
        k = keys[:, t, :]
        v = values[:, t, :]
        if keep != 1.0:
            state *= keep
        err = v - np.einsum("bij,bj->bi", state, k) if subtract else v
        state += lr * err[:, :, None] * k[:, None, :]
    return state


def silu(a):
    """``a sigmoid(a)`` (the hidden activation of the MLP memories)."""
    return a / (1.0 + np.exp(-a))


def silu_prime(a):
    s = 1.0 / (1.0 + np.exp(-a))
    return s * (1.0 + a * (1.0 - s))


def mlp_forward(weights, x):
    """``x`` (one input, or a batch of rows) through the MLP: ``(inputs, pres, out)``, the
    input and the pre-activation of every hidden layer, and the output."""
    inputs, pres = [x], []
    h = x
    for w in weights[:-1]:
        pres.append(h @ w.T)
        h = silu(pres[-1])
        inputs.append(h)
    return inputs, pres, h @ weights[-1].T


def output_gradient(err, rule, p, huber):
    """Gradient of the attentional bias with respect to the memory's output ``M(k)``."""
    if rule == 1:  # Moneta: ||e||_p^p
        return p * np.sign(err) * np.abs(err) ** (p - 1.0)
    if rule == 2 and np.sqrt(err @ err) > huber:  # Yaad beyond the threshold: huber * grad ||e||_1
        return huber * np.sign(err)
    return 2.0 * err  # ||e||_2^2 (Titans, Memora, Yaad inside the threshold)


def mlp_gradients(weights, k, v, rule, p, huber):
    """Gradients of the attentional bias at ``(k, v)`` for every layer, output layer last."""
    inputs, pres, out = mlp_forward(weights, k)
    g = output_gradient(out - v, rule, p, huber)
    grads = [None] * len(weights)
    for layer in range(len(weights) - 1, -1, -1):
        grads[layer] = np.outer(g, inputs[layer])
        if layer:
            g = (weights[layer].T @ g) * silu_prime(pres[layer - 1])
    return grads


def q_normalised(a, q):
    """``A / ||A||_q^(q - 2)`` (entrywise q-norm; zero stays zero): Moneta's retention map."""
    norm = np.sum(np.abs(a) ** q) ** (1.0 / q)
    if norm == 0.0:
        return np.zeros_like(a)
    return a / norm ** (q - 2.0)


def simplex_rows(logits, scale):
    """``scale * softmax`` of each row (Memora's KL retention keeps rows on the scaled simplex)."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return scale * e / e.sum(axis=1, keepdims=True)


def neural_scan(weights, aux, keys, values, rule, lr, momentum, decay, p, q, huber, scale):
    """Write ``T`` pairs into an MLP memory, token by token (in place)."""
    keep = 1.0 - decay
    for t in range(keys.shape[0]):
        grads = mlp_gradients(weights, keys[t], values[t], rule, p, huber)
        for w, a, g in zip(weights, aux, grads):
            if rule == 0:  # Titans: surprise with momentum, then the forgetting gate
                a *= momentum
                a -= lr * g
                w *= keep
                w += a
            elif rule == 1:  # Moneta: accumulate, then the q-norm map
                a *= keep
                a -= lr * g
                w[...] = q_normalised(a, q)
            elif rule == 2:  # Yaad: gradient descent with weight decay
                w *= keep
                w -= lr * g
            else:  # Memora: exponentiated gradient on the scaled simplex
                w[...] = simplex_rows(keep * np.log(np.maximum(w / scale, 1e-300)) - lr * g, scale)
    return weights
