"""Memories as a library for agents (moved to the package assoc.agents; see assoc.agents.episodic)."""

from . import episodic as _episodic
from .episodic import *  # noqa: F401,F403
from .episodic import __all__  # noqa: F401

globals().update({k: v for k, v in vars(_episodic).items() if not k.startswith("__")})
__getattr__ = _episodic.__getattr__
