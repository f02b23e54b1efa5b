"""fasttwin: fast Monte Carlo digital twins of inventory systems.

Importing this package is cheap: Numba, xarray and Dask are imported, and
kernels compiled, only when a function needs them.
"""

from fasttwin import analytic
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
from fasttwin.simulate import simulate
from fasttwin.sweep import sweep
from fasttwin.trace import trace

__version__ = "0.1.0"

__all__ = [
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
    "load_model",
    "retail_twin",
    "simulate",
    "single_node",
    "sweep",
    "trace",
]
