"""An agent that needs an episodic memory: key-value recall across a delay, with gymnasium.

The task (``KeyValueRecallEnv``). Each episode first shows ``n_pairs`` landmarks, each with a
hint: the action that will be rewarded if that landmark comes back. Then ``delay``
distractor landmarks pass without hints. Finally one of the first landmarks returns (with a
little noise) and the agent must take its action: reward 1 if right, 0 otherwise. Landmarks
and their actions are drawn afresh every episode, so nothing can be learnt about a landmark
itself: an agent that sees only the current observation is right with probability
1 / n_actions, whatever it learns.

The agent. A linear softmax policy trained by REINFORCE with a running-mean baseline, on
the decision step. It sees the current observation, and, with memory, what
:class:`assoc.agents.MemoryObservation` recalls: each hinted observation is written to an
:class:`assoc.agents.EpisodicMemory` (key: the landmark, value: the hint in the memory's
alphabet), and every observation reads the memory with its landmark. The recalled hint is
just more input: the agent still has to learn that it names the rewarded action.

Run ``python examples/memory_agent.py`` (about a minute) to train every agent over several
seeds and draw ``figures/agent_learning.png``; ``--help`` lists the options.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

# One observation at a time: a batch of one is too small for Numba's thread pool to pay off.
os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from assoc.agents import EpisodicMemory, MemoryObservation
from assoc.registry import get_family


class KeyValueRecallEnv(gym.Env):
    """Landmark/hint pairs, a delay of distractors, then a query landmark: act on its hint.

    Observation (Box, ``landmark_dim + n_actions + 1`` floats): the landmark, the hint as a
    one-hot vector (zeros when there is none) and a flag that is 1 on the decision step.
    Actions: ``Discrete(n_actions)``; only the decision step's action counts. ``cue_noise``: the
    standard deviation of the Gaussian noise added to the returning landmark (the cue).
    """

    metadata = {"render_modes": []}

    def __init__(self, n_pairs: int = 3, n_actions: int = 4, delay: int = 4, landmark_dim: int = 8,
                 cue_noise: float = 0.1):
        for name, v, low in (("n_pairs", n_pairs, 1), ("n_actions", n_actions, 2), ("delay", delay, 0),
                             ("landmark_dim", landmark_dim, 1)):
            if not isinstance(v, int) or v < low:
                raise ValueError(f"{name} must be an integer >= {low}, got {v!r}")
        if not cue_noise >= 0:
            raise ValueError(f"cue_noise must be >= 0, got {cue_noise!r}")
        self.n_pairs, self.n_actions, self.delay = n_pairs, n_actions, delay
        self.landmark_dim, self.cue_noise = landmark_dim, float(cue_noise)
        self.observation_space = spaces.Box(-np.inf, np.inf, shape=(landmark_dim + n_actions + 1,), dtype=np.float32)
        self.action_space = spaces.Discrete(n_actions)

    def _obs(self, landmark, hint=None, query=False):
        h = np.zeros(self.n_actions)
        if hint is not None:
            h[hint] = 1.0
        return np.r_[landmark, h, float(query)].astype(np.float32)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        rng = self.np_random
        self.landmarks = rng.normal(size=(self.n_pairs, self.landmark_dim))
        self.actions = rng.integers(self.n_actions, size=self.n_pairs)
        self.target = int(rng.integers(self.n_pairs))
        self.t = 0
        return self._obs(self.landmarks[0], self.actions[0]), {}

    def step(self, action):
        rng = self.np_random
        if self.t == self.n_pairs + self.delay:  # the decision step was shown: judge the action
            reward = float(int(action) == int(self.actions[self.target]))
            return self._obs(np.zeros(self.landmark_dim)), reward, True, False, {"correct": reward == 1.0}
        self.t += 1
        if self.t < self.n_pairs:
            obs = self._obs(self.landmarks[self.t], self.actions[self.t])
        elif self.t < self.n_pairs + self.delay:
            obs = self._obs(rng.normal(size=self.landmark_dim))
        else:
            cue = self.landmarks[self.target] + self.cue_noise * rng.normal(size=self.landmark_dim)
            obs = self._obs(cue, query=True)
        return obs, 0.0, False, False, {}


def make_env(family: str | None, seed: int, **env_kwargs) -> gym.Env:
    """The task, wrapped with an episodic memory of ``family`` (None: no memory)."""
    env = KeyValueRecallEnv(**env_kwargs)
    if family is None:
        return env
    k, a = env.landmark_dim, env.n_actions
    alphabet = get_family(family).alphabet
    extra = {"beta": 4.0} if family == "modern_hopfield" else {}
    mem = EpisodicMemory(family, key_dim=k, value_dim=a, encoder="auto", backend="auto", seed=seed, **extra)

    def value(obs):  # the hint, in the memory's alphabet; nothing to write without a hint
        hint = obs[k:k + a]
        if not hint.any():
            return None
        return hint.astype(np.int8) if alphabet == "binary" else 2 * hint - 1

    return MemoryObservation(env, mem, key=lambda obs: obs[:k], value=value)


def features(obs) -> np.ndarray:
    """The policy's input: observation (and recall, when there is a memory) plus a bias."""
    if isinstance(obs, dict):
        return np.r_[obs["observation"], obs["recall"], 1.0]
    return np.r_[obs, 1.0]


def train(family: str | None, seed: int, episodes: int, lr: float = 0.5, **env_kwargs) -> np.ndarray:
    """Train a linear softmax policy by REINFORCE; the reward of every episode, shape (episodes,)."""
    env = make_env(family, seed, **env_kwargs)
    rng = np.random.default_rng(seed)
    n_act = env.action_space.n
    obs, _ = env.reset(seed=seed)
    theta = np.zeros((n_act, features(obs).size))
    baseline = 1.0 / n_act
    rewards = np.zeros(episodes)
    for ep in range(episodes):
        if ep:
            obs, _ = env.reset()
        done = False
        while not done:
            x = features(obs)
            logits = theta @ x
            p = np.exp(logits - logits.max())
            p /= p.sum()
            action = int(rng.choice(n_act, p=p))
            decision = bool(np.asarray(obs["observation"] if isinstance(obs, dict) else obs)[-1] == 1.0)
            obs, reward, done, _, _ = env.step(action)
            if decision:  # policy gradient of log pi(action | x), on the only step that is judged
                grad = -p[:, None] * x[None, :]
                grad[action] += x
                theta += lr * (reward - baseline) * grad
                baseline += 0.05 * (reward - baseline)
                rewards[ep] = reward
    env.close()
    return rewards


AGENTS = ("none", "hopfield", "dense", "modern_hopfield", "willshaw")


def run(agents=AGENTS, seeds: int = 5, episodes: int = 400, **env_kwargs) -> list[dict]:
    """One row per (agent, seed, episode) with its reward: the table the figure draws."""
    rows = []
    for agent in agents:
        for s in range(seeds):
            r = train(None if agent == "none" else agent, seed=1000 + s, episodes=episodes, **env_kwargs)
            rows += [{"agent": agent, "seed": s, "episode": e, "reward": float(v)} for e, v in enumerate(r)]
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--episodes", type=int, default=400)
    ap.add_argument("--agents", nargs="+", default=list(AGENTS), help=f"subset of {AGENTS}")
    ap.add_argument("--delay", type=int, default=4)
    ap.add_argument("--figure", type=Path, default=Path("figures/agent_learning.png"))
    args = ap.parse_args(argv)
    from assoc.figures import agent_learning_curves

    t0 = time.perf_counter()
    table = run(args.agents, args.seeds, args.episodes, delay=args.delay)
    for agent in args.agents:
        last = [r["reward"] for r in table if r["agent"] == agent and r["episode"] >= args.episodes - 100]
        print(f"{agent:>16s}: success over the last 100 episodes {np.mean(last):.3f} "
              f"(+/- {np.std(last) / np.sqrt(len(last)):.3f})")
    fig = agent_learning_curves(table, chance=0.25)
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.figure, dpi=100)
    print(f"{args.figure} written in {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
