"""The POPGym memory benchmark (examples/popgym_memory.py), reduced: RepeatPreviousEasy with a
softmax-attention episodic memory against the same agent without memory."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gymnasium", reason="the POPGym benchmark needs gymnasium (pip install 'assoc[test]')")
pytest.importorskip("popgym", reason="the POPGym benchmark needs popgym (pip install 'assoc[test]')")

SEEDS, EPISODES, LAST = 4, 20, 10


def _example():
    path = Path(__file__).resolve().parent.parent / "examples" / "popgym_memory.py"
    spec = importlib.util.spec_from_file_location("popgym_memory_example", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def reduced():
    mod = _example()
    t0 = time.perf_counter()
    table = mod.run(envs=("RepeatPreviousEasy",), agents=("none", "softmax_attention"), seeds=SEEDS,
                    episodes=EPISODES)
    return mod, table, time.perf_counter() - t0


def test_memory_agent_beats_memoryless_on_repeat_previous(reduced):
    mod, table, _ = reduced
    finals = mod.final_returns(table, last=LAST)
    mem, none = finals[("RepeatPreviousEasy", "softmax_attention")], finals[("RepeatPreviousEasy", "none")]
    assert mem.shape == none.shape == (SEEDS,)
    # the gain, against its standard error from the seed-to-seed spread (Welch)
    se = np.sqrt(mem.var(ddof=1) / SEEDS + none.var(ddof=1) / SEEDS)
    gain = mem.mean() - none.mean()
    assert gain - 4 * se > 0, (gain, se, mem, none)
    # and it is most of the way to a perfect score (1): right on >= 90 % of the judged steps
    assert mem.mean() > 0.8, mem


def test_memoryless_agent_cannot_beat_guessing_by_more_than_the_deck_allows(reduced):
    mod, table, _ = reduced
    none = mod.final_returns(table, last=LAST)[("RepeatPreviousEasy", "none")]
    env = mod.make_env("RepeatPreviousEasy")
    judged = env.deck.num_cards - env.k  # rewarded steps per episode
    # Without memory, a guess of the suit three cards back given the current card is right with a
    # probability between 12/51 and 13/51 (one deck, drawn without replacement); the return is
    # 2 acc - 1, measured over n judged steps.
    worst, best = 12 / 51, 13 / 51
    n = SEEDS * LAST * judged
    se = 2 * np.sqrt(best * (1 - best) / n)
    assert 2 * worst - 1 - 4 * se < none.mean() < 2 * best - 1 + 4 * se, (none, se)


def test_reduced_run_draws(reduced):
    _, table, seconds = reduced
    print(f"reduced benchmark: {seconds:.1f} s")
    from assoc.figures import rl_learning_curves

    fig = rl_learning_curves(table)
    axes = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in axes] == ["RepeatPreviousEasy"]
    assert len(axes[0].get_lines()) == 3  # two agents and the guessing level
    import matplotlib.pyplot as plt

    plt.close(fig)
