"""Step the twin day by day: the original twin's API, Gymnasium and PettingZoo environments.

- :class:`DigitalTwin`: ``reset()``, ``step(actions)``, ``get_state()``,
  ``get_metrics()`` on one replication.
- :class:`TwinVectorEnv`: a ``gymnasium.vector.VectorEnv`` of ``num_envs``
  replications advanced by one Numba call per step; :class:`TwinEnv`, one of them
  as a ``gymnasium.Env``; :func:`parallel_env`, a PettingZoo ``ParallelEnv`` with
  one agent per node.
- Presets: :func:`ten_products`, :func:`retail`; reward shaping: :class:`RewardSpec`.
- :func:`cross_entropy`: a small numpy learner of order-up-to levels on the vector env.

Importing this package imports neither Gymnasium nor PettingZoo nor Numba: the
environments are loaded on first use (``pip install "fasttwin[rl]"``).
"""

from fasttwin.env.presets import EnvSpec, retail, ten_products
from fasttwin.env.reward import RewardSpec
from fasttwin.env.twin import DigitalTwin

_LAZY = {
    "TwinVectorEnv": "fasttwin.env.vector",
    "TwinEnv": "fasttwin.env.single",
    "parallel_env": "fasttwin.env.multi",
    "TwinParallelEnv": "fasttwin.env.multi",
    "cross_entropy": "fasttwin.env.learn",
}

__all__ = ["DigitalTwin", "EnvSpec", "RewardSpec", "retail", "ten_products", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'fasttwin.env' has no attribute {name!r}")
