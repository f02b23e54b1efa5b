"""fasttwin: fast Monte Carlo digital twins of inventory systems.

Importing this package is cheap: Numba, xarray and Dask are imported, and
kernels compiled, only when a function needs them.
"""

from fasttwin import analytic, demand, env
from fasttwin._version import __version__
from fasttwin.engine.simulate import simulate
from fasttwin.engine.trace import trace
from fasttwin.env.twin import DigitalTwin
from fasttwin.model import (
    Distribution,
    Empirical,
    Event,
    Exponential,
    Gamma,
    Model,
    NegativeBinomial,
    Node,
    Normal,
    Poisson,
    Trace,
    Uniform,
    UniformInt,
    load_model,
    retail_twin,
    single_node,
)
from fasttwin.optimize import optimize
from fasttwin.sweep import sweep

__all__ = [
    "DigitalTwin",
    "Distribution",
    "Empirical",
    "Event",
    "Exponential",
    "Gamma",
    "Model",
    "NegativeBinomial",
    "Node",
    "Normal",
    "Poisson",
    "Trace",
    "Uniform",
    "UniformInt",
    "__version__",
    "analytic",
    "demand",
    "env",
    "load_model",
    "optimize",
    "retail_twin",
    "simulate",
    "single_node",
    "sweep",
    "trace",
]
