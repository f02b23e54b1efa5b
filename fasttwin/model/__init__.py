"""Model objects: distributions, nodes, models and their TOML form."""

from fasttwin.model.distributions import (
    Distribution,
    Empirical,
    Event,
    Exponential,
    Gamma,
    NegativeBinomial,
    Normal,
    Poisson,
    Trace,
    Uniform,
    UniformInt,
)
from fasttwin.model.examples import retail_twin
from fasttwin.model.network import POLICY_PARAMETERS, Model, Node, single_node
from fasttwin.model.toml_io import load_model

__all__ = [
    "POLICY_PARAMETERS",
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
    "load_model",
    "retail_twin",
    "single_node",
]
