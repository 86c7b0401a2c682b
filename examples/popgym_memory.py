"""POPGym memory tasks: a linear agent with an episodic memory of each family, and without one.

The environments come from the ``popgym`` package (Morad et al. 2023, "POPGym:
Benchmarking Partially Observable Reinforcement Learning", ICLR), unchanged:

- ``RepeatPreviousEasy``: one deck of 52 cards is dealt one at a time; the observation is the
  suit of the new card and, from the fourth card on, the agent is rewarded (+-1/48) for naming
  the suit of the card dealt three steps earlier. 51 steps per episode.
- ``AutoencodeEasy``: the 52 cards are shown one at a time (watch phase, 51 steps), then the
  agent must name their suits in reverse order (play phase, 52 steps, +-1/52 per answer).

In both, guessing scores -0.5 in expectation (right a quarter of the time) and a perfect memory
scores 1. The actions never change what is observed next, so every reward is the reward of
the action just taken.

The agent. A linear softmax policy over the suit actions, trained by a policy gradient on
each step's own reward (REINFORCE with a discount of 0, which is exact here because actions
do not affect later observations) with a running-mean baseline. Its input is the current
observation (one-hot), a bias and, with a memory, what an :class:`assoc.agents.EpisodicMemory`
recalls. Every card seen is written to the memory with, as key, a random time code (one
standard Gaussian vector of ``key_dim`` entries per position, drawn once per run) and, as value, its
suit (one-hot, in the memory's alphabet); the memory is cleared at every reset.

- RepeatPrevious: every step reads the keys of the ``lags`` preceding positions (1 .. lags
  steps back); the policy has to learn which lag names the rewarded suit (lag 3).
- Autoencode: the write position counts up in the watch phase; in the play phase the agent
  reads the position below the counter and moves the counter down (a stack).

The addressing is fixed, not learnt: the benchmark asks whether a family's recall is clean
enough at a load of about 52 items per episode for a learnt policy to use, and the agent
without memory (the same policy on the observation and bias alone) shows what the task gives
without one. :class:`assoc.agents.MemoryObservation` is not used because it reads and writes
with one key per step, while these tasks read what was written at other positions.

Run ``python examples/popgym_memory.py`` (about 15 minutes on one core) to train every agent
over several seeds, write the table to ``results/rl_popgym.csv``, print the final returns and
draw ``figures/rl_popgym.png`` and measure each memory's recall accuracy on the reads the
tasks need (:func:`recall_accuracy`); ``--help`` lists the options (``--envs`` and ``--table`` split
the work into processes, ``--plot-only --table A.csv B.csv`` draws their tables together).
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

# One observation at a time: a batch of one is too small for Numba's thread pool to pay off.
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import numpy as np

from assoc.agents import EpisodicMemory
from assoc.registry import get_family

#: The POPGym environments of the benchmark.
ENVS = ("RepeatPreviousEasy", "AutoencodeEasy")
#: The agents: no memory, then an EpisodicMemory of each of these families.
AGENTS = ("none", "hopfield", "modern_hopfield", "willshaw", "linear_attention", "deltanet",
          "softmax_attention")
N_SUITS = 4


def make_env(name: str):
    """The POPGym environment ``name`` (from ``popgym.envs``)."""
    import popgym.envs as envs

    if name not in ENVS:
        raise ValueError(f"env must be one of {ENVS}, got {name!r}")
    return getattr(envs, name)()


def make_memory(family: str, key_dim: int, seed: int) -> EpisodicMemory:
    """An episodic memory of ``family`` for (time code, suit) pairs."""
    return EpisodicMemory(family, key_dim=key_dim, value_dim=N_SUITS, encoder="auto", backend="numpy",
                          seed=seed)


def _suit_codes(alphabet: str) -> np.ndarray:
    """The value written for each suit: one-hot in {0,1} for binary families, else in {-1,+1}."""
    eye = np.eye(N_SUITS)
    return eye.astype(np.int8) if alphabet == "binary" else 2.0 * eye - 1.0


def _observation(env_name: str, obs) -> tuple[int, float]:
    """(suit shown, play-phase flag) of a POPGym observation."""
    if env_name.startswith("Autoencode"):
        mode, suit = obs  # popgym's Mode: WATCH = 1, PLAY = 0
        return int(suit), float(int(mode) == 0)
    return int(obs), 0.0


class _Agent:
    """Linear softmax policy; with a memory, the recalled suits are part of its input."""

    def __init__(self, env_name: str, family: str | None, seed: int, *, key_dim: int = 32, lags: int = 6,
                 lr: float = 0.1, max_len: int = 128):
        self.env_name, self.family = env_name, family
        self.rng = np.random.default_rng(seed)
        self.lags = lags if env_name.startswith("RepeatPrevious") else 1
        self.times = self.rng.normal(size=(max_len, key_dim))
        self.memory = None if family is None else make_memory(family, key_dim, seed)
        self.codes = None if family is None else _suit_codes(get_family(family).alphabet)
        n_in = N_SUITS + 2 + (0 if family is None else N_SUITS * self.lags)
        self.theta = np.zeros((N_SUITS, n_in))
        self.lr, self.baseline = lr, 0.0

    def start(self) -> None:
        if self.memory is not None:
            self.memory.reset()
        self.t = 0  # positions written
        self.pointer = 0  # the stack's next free position (Autoencode)

    def features(self, obs) -> np.ndarray:
        suit, play = _observation(self.env_name, obs)
        x = [np.eye(N_SUITS)[suit], [play, 1.0]]
        if self.memory is None:
            return np.concatenate(x)
        recall = np.zeros((self.lags, N_SUITS))
        if self.env_name.startswith("RepeatPrevious"):
            self.memory.write(self.times[self.t][None, :], self.codes[suit][None, :])
            self.t += 1
            back = [lag for lag in range(1, self.lags + 1) if self.t - 1 - lag >= 0]
            if back:
                values, _ = self.memory.read(self.times[[self.t - 1 - lag for lag in back]])
                recall[: len(back)] = np.asarray(values, dtype=float)
        elif play == 0.0 or self.pointer == self.t:  # watch phase, or the last card shown
            self.memory.write(self.times[self.t][None, :], self.codes[suit][None, :])
            self.t += 1
            self.pointer = self.t
        if play == 1.0 and self.pointer > 0:  # the answer is the card below the stack pointer
            values, _ = self.memory.read(self.times[[self.pointer - 1]])
            recall[0] = np.asarray(values, dtype=float)[0]
            self.pointer -= 1
        x.append(recall.ravel())
        return np.concatenate(x)

    def act(self, x: np.ndarray) -> tuple[int, np.ndarray]:
        logits = self.theta @ x
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return int(self.rng.choice(N_SUITS, p=p)), p

    def learn(self, x: np.ndarray, action: int, p: np.ndarray, reward: float) -> None:
        grad = -p[:, None] * x[None, :]
        grad[action] += x
        self.theta += self.lr * (reward - self.baseline) * grad
        self.baseline += 0.01 * (reward - self.baseline)


def train(env_name: str, family: str | None, seed: int, episodes: int, **agent_kwargs) -> np.ndarray:
    """Train one agent; the POPGym return of every episode, shape (episodes,)."""
    env = make_env(env_name)
    agent = _Agent(env_name, family, seed, **agent_kwargs)
    returns = np.zeros(episodes)
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed * 100_003 + ep)
        agent.start()
        done, total = False, 0.0
        while not done:
            x = agent.features(obs)
            action, p = agent.act(x)
            obs, reward, terminated, truncated, _ = env.step(action)
            if reward != 0:  # judged steps; learn on the sign (POPGym scales rewards by 1/episode length)
                agent.learn(x, action, p, float(np.sign(reward)))
            total += reward
            done = terminated or truncated
        returns[ep] = total
    env.close()
    return returns


def recall_accuracy(env_name: str, family: str, seed: int, episodes: int = 2, **agent_kwargs) -> float:
    """How often the read the task needs names the right suit (its largest entry), over the
    judged steps of ``episodes`` episodes: the memory's own quality, without any learning."""
    env = make_env(env_name)
    agent = _Agent(env_name, family, seed, **agent_kwargs)
    right = total = 0
    repeat = env_name.startswith("RepeatPrevious")
    for ep in range(episodes):
        obs, _ = env.reset(seed=seed * 100_003 + 50_000 + ep)
        agent.start()
        seen, done = [], False
        while not done:
            suit, play = _observation(env_name, obs)
            if not play or agent.pointer == agent.t:  # a card shown, written by the agent
                seen.append(suit)
            x = agent.features(obs)
            recall = x[N_SUITS + 2:].reshape(agent.lags, N_SUITS)
            if repeat and len(seen) > 3:  # judged: the suit three cards back (lag 3)
                right += int(np.argmax(recall[2]) == seen[-4])
                total += 1
            elif not repeat and play:  # judged: the card below the stack pointer
                right += int(np.argmax(recall[0]) == seen[agent.pointer])
                total += 1
            obs, _, terminated, truncated, _ = env.step(0)
            done = terminated or truncated
    env.close()
    return right / total


def run(envs=ENVS, agents=AGENTS, seeds: int = 5, episodes: int = 60, progress: bool = False,
        **agent_kwargs) -> list[dict]:
    """One row per (env, agent, seed, episode) with its return: the table the figure draws."""
    rows = []
    for env_name in envs:
        for agent in agents:
            t0 = time.perf_counter()
            for s in range(seeds):
                r = train(env_name, None if agent == "none" else agent, seed=1000 + s, episodes=episodes,
                          **agent_kwargs)
                rows += [{"env": env_name, "agent": agent, "seed": s, "episode": e, "return": float(v)}
                         for e, v in enumerate(r)]
            if progress:
                print(f"  {env_name} / {agent}: {seeds} seeds in {time.perf_counter() - t0:.0f} s", flush=True)
    return rows


def final_returns(table: list[dict], last: int = 20) -> dict[tuple[str, str], np.ndarray]:
    """Per (env, agent): each seed's mean return over its ``last`` episodes."""
    out: dict[tuple[str, str], dict[int, list[float]]] = {}
    n_ep = {}
    for r in table:
        n_ep[(r["env"], r["agent"], r["seed"])] = max(n_ep.get((r["env"], r["agent"], r["seed"]), 0),
                                                    r["episode"] + 1)
    for r in table:
        if r["episode"] >= n_ep[(r["env"], r["agent"], r["seed"])] - last:
            out.setdefault((r["env"], r["agent"]), {}).setdefault(r["seed"], []).append(r["return"])
    return {k: np.array([np.mean(v[s]) for s in sorted(v)]) for k, v in out.items()}


def summary(table: list[dict], last: int = 20) -> list[str]:
    """One line per (env, agent): final return, mean +/- sd over seeds, and the gain over no memory
    with its standard error (Welch)."""
    finals = final_returns(table, last)
    lines = []
    for (env_name, agent), v in finals.items():
        line = (f"{env_name} / {agent}: final return {v.mean():+.3f} +/- {v.std(ddof=1):.3f} (sd over "
                f"{len(v)} seeds, last {last} episodes)")
        base = finals.get((env_name, "none"))
        if agent != "none" and base is not None:
            se = np.sqrt(v.var(ddof=1) / len(v) + base.var(ddof=1) / len(base))
            line += f"; gain over no memory {v.mean() - base.mean():+.3f} +/- {se:.3f} (se)"
        lines.append(line)
    return lines


def write_table(table: list[dict], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["env", "agent", "seed", "episode", "return"])
        w.writeheader()
        w.writerows(table)


def read_table(path: Path) -> list[dict]:
    with open(path, newline="") as fh:
        return [{"env": r["env"], "agent": r["agent"], "seed": int(r["seed"]), "episode": int(r["episode"]),
                 "return": float(r["return"])} for r in csv.DictReader(fh)]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--episodes", type=int, default=60)
    ap.add_argument("--envs", nargs="+", default=list(ENVS), help=f"subset of {ENVS}")
    ap.add_argument("--agents", nargs="+", default=list(AGENTS), help=f"subset of {AGENTS}")
    ap.add_argument("--table", type=Path, nargs="+", default=[Path("results/rl_popgym.csv")],
                    help="where to write the table (one file), or with --plot-only the tables to draw")
    ap.add_argument("--plot-only", action="store_true", help="redraw the figure from --table without training")
    ap.add_argument("--no-figure", action="store_true",
                    help="train and write the table only (no figure, no recall accuracy)")
    ap.add_argument("--figure", type=Path, default=Path("figures/rl_popgym.png"))
    args = ap.parse_args(argv)
    from assoc.figures import rl_learning_curves

    t0 = time.perf_counter()
    if args.plot_only:
        table = [row for path in args.table for row in read_table(path)]
    else:
        if len(args.table) != 1:
            ap.error("training writes one --table")
        table = run(args.envs, args.agents, args.seeds, args.episodes, progress=True)
        write_table(table, args.table[0])
    for line in summary(table):
        print(line)
    if args.no_figure:
        return
    seeds = sorted({r["seed"] for r in table})
    for env_name in dict.fromkeys(r["env"] for r in table):
        for agent in dict.fromkeys(r["agent"] for r in table if r["env"] == env_name):
            if agent != "none":
                acc = np.array([recall_accuracy(env_name, agent, 1000 + s, episodes=1) for s in seeds])
                print(f"{env_name} / {agent}: recall accuracy {acc.mean():.3f} (min {acc.min():.3f}, max "
                      f"{acc.max():.3f} over {len(seeds)} seeds, one episode each)")
    fig = rl_learning_curves(table)
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.figure, dpi=100)
    print(f"{args.figure} written in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
