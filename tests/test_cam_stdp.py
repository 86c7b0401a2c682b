"""The CAM's STDP against an independent calculation from the published rule, where the
weights do not saturate.

With the published amplitudes (A+ = A- = w_max = 6) one pairing fills a synapse, so the
spike tables of the three published experiments do not constrain tau+ (changing it moves no
spike). Here A+ and A- are made small, so every synapse of the cue -> content projection
stays strictly between its bounds through a learning sequence, and its final weight is
computed again, outside Brian2, from the spikes the network fired and the published rule
(sPyNNaker's additive all-to-all pair rule, the transmission delay on the post side:
Casanueva-Morato et al. 2024; the module notes of :mod:`assoc.memories.spiking.cam`).
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

pytest.importorskip("brian2", reason="the spiking CAM needs Brian2 (a core dependency)")

from assoc.memories.spiking.cam import EXPERIMENTS, PUBLISHED_CONFIG, CAMNetwork  # noqa: E402

PLASTIC = "CA3cueCueRecallL-CA3contCueRecallL"  # cue -> content


def _config(a_plus=0.4, a_minus=0.25, tau_plus=3.0, tau_minus=3.0):
    cfg = copy.deepcopy(PUBLISHED_CONFIG)
    for name in (PLASTIC, "CA3contContRecallL-CA3cueContRecallL"):
        cfg["synParameters"][name].update(A_plus=a_plus, A_minus=a_minus, tau_plus=tau_plus, tau_minus=tau_minus)
    return cfg


def _run(cfg, steps=60):
    exp = EXPERIMENTS["exp1_learn_recall_forget"]
    net = CAMNetwork(exp["n_cues"], exp["n_content"], config=cfg)
    cue = [[t for t in ts if t < steps] for ts in exp["cue"]]
    content = [[t for t in ts if t < steps] for ts in exp["content"]]
    net.run(steps, cue, content)
    return net, steps


def _rule(table, cfg, n_pre, n_post, steps, *, tau_plus=None, a_minus=None):
    """Weights of the cue -> content projection from the recorded spikes, event by event."""
    s = cfg["synParameters"][PLASTIC]
    a_p, a_m = s["A_plus"], s["A_minus"] if a_minus is None else a_minus
    t_p, t_m = s["tau_plus"] if tau_plus is None else tau_plus, s["tau_minus"]
    lo, hi, d = s["w_min"], s["w_max"], int(round(s["delay"]))
    pre = {i: [] for i in range(n_pre)}
    post = {j: [] for j in range(n_post)}
    for t, idx in table["CA3cueCueRecall"].items():
        for i in idx:
            pre[i].append(t)
    for t, idx in table["CA3contCueRecall"].items():
        for j in idx:
            post[j].append(t)
    w = np.full((n_pre, n_post), float(s["initWeight"]))
    for i in range(n_pre):
        for j in range(n_post):
            # a post spike acts d steps later; on a tie the post event comes first (kind 0)
            events = sorted([(t + d, 0) for t in post[j] if t + d < steps] + [(t, 1) for t in pre[i]])
            seen_pre, seen_post, v = [], [], w[i, j]
            for t, kind in events:
                if kind == 0:
                    v = min(hi, max(lo, v + a_p * sum(math.exp(-(t - u) / t_p) for u in seen_pre)))
                    seen_post.append(t)
                else:
                    v = min(hi, max(lo, v - a_m * sum(math.exp(-(t - u) / t_m) for u in seen_post)))
                    seen_pre.append(t)
            w[i, j] = v
    return w


@pytest.fixture(scope="module")
def learned():
    cfg = _config()
    net, steps = _run(cfg)
    return cfg, net.table(), net.weights()["cue_to_content"], steps


def test_stdp_weights_follow_the_published_rule_where_they_do_not_saturate(learned):
    cfg, table, got, steps = learned
    want = _rule(table, cfg, *got.shape, steps)
    s = cfg["synParameters"][PLASTIC]
    inside = (got > s["w_min"] + 1e-9) & (got < s["w_max"] - 1e-9)
    assert inside.sum() >= 10  # learning moved many synapses, none to a bound
    assert (got < s["w_max"]).all()
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)


def test_the_comparison_resolves_tau_plus_and_a_minus(learned):
    """A 10% error in tau+ or in A- moves the learned weights by far more than the agreement
    above (1e-9): both parameters are constrained here."""
    cfg, table, got, steps = learned
    s = cfg["synParameters"][PLASTIC]
    for kw in ({"tau_plus": 1.1 * s["tau_plus"]}, {"a_minus": 1.1 * s["A_minus"]}):
        off = _rule(table, cfg, *got.shape, steps, **kw)
        assert np.abs(off - got).max() > 1e-2, kw


def test_the_network_itself_responds_to_tau_plus():
    """The same input with tau+ = 4 ms learns other weights (in the published setting, with
    saturating amplitudes, it would not)."""
    a = _run(_config(tau_plus=3.0))[0].weights()["cue_to_content"]
    b = _run(_config(tau_plus=4.0))[0].weights()["cue_to_content"]
    assert np.abs(a - b).max() > 1e-2
