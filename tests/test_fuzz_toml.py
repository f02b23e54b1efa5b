"""Fuzzed model and sweep-spec TOML: a ValueError naming a field, or a valid run.

Documents start from a valid one and take random edits (a key set to a random
value of any TOML type, a key removed, an unknown key added), at the top and
deep inside (nodes, distributions, grid, scenarios). Whatever the edit, the
only exception allowed is a ``ValueError`` that names a field, and nothing is
written before validation: a refused sweep leaves its folder as it was, and a
valid one gets as far as connecting to a cluster (stubbed) with no store and no
lock left behind. Valid documents are simulated, tiny (a few reps and days).
"""

import copy
import math
import os
from dataclasses import fields
from unittest import mock

import numpy as np
import tomli_w
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

import fasttwin as ft
from fasttwin.model.distributions import DISTRIBUTIONS
from fasttwin.model.network import Node
from fasttwin.model.scenarios import KINDS
from fasttwin.model.toml_io import load_model
from fasttwin.sweep import execute
from fasttwin.sweep.spec import EXECUTION_KEYS, TOP_KEYS, load_spec

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NODE_KEYS = [f.name for f in fields(Node)]
DIST_KEYS = sorted({f.name for cls in DISTRIBUTIONS.values() for f in fields(cls)} | {"dist"})
KNOWN = set(TOP_KEYS) | set(EXECUTION_KEYS) | set(NODE_KEYS) | set(DIST_KEYS) | set(KINDS)
KNOWN |= {p for params in KINDS.values() for p in params} | {
    "policy",
    "nodes",
    "review",
    "base",
    "compose",
    "csv",
    "column",
    "date_column",
    "sweep spec",
    "spec",
    "demand",
    "lead time",
    "grid point",
    "Poisson",
    "Normal",
    "Gamma",
    "NegativeBinomial",
    "UniformInt",
    "Empirical",
    "Trace",
    "Uniform",
    "Exponential",
    "event",
    "scenario",
}

BASE_MODEL = {
    "name": "fuzz",
    "nodes": [
        {"name": "dc", "lead_time": 2, "order_up_to": 60, "reorder_point": 20},
        {
            "name": "shop",
            "parent": "dc",
            "lead_time": 1,
            "demand": {"dist": "poisson", "mean": 4.0},
            "order_up_to": 20,
            "reorder_point": 5,
            "backorder_cost": 3.0,
        },
    ],
}
BASE_SPEC = {
    "name": "fuzz",
    "model": BASE_MODEL,
    "reps": 2,
    "periods": 8,
    "warmup": 1,
    "seed": 3,
    "scenarios": ["baseline", "surge"],
    "grid": {
        "shop": {"reorder_point": [2, 5]},
        "dc.order_up_to": {"start": 40, "stop": 61, "step": 20},
    },
    "fixed": {"shop.review_period": 1},
    "scenario": {"surge": {"base": "demand_surge", "factor": 1.5}},
    "execution": {"points_per_task": 2},
}

SCALARS = st.one_of(
    st.integers(-3, 40),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.text(max_size=6),
    st.sampled_from(["poisson", "demand_surge", "dc", "shop", "baseline", "", " ", "a\x07"]),
    st.booleans(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(sorted(KNOWN) + ["zz"]), inner, max_size=3),
    ),
    max_leaves=6,
)


def _containers(doc, path=()):
    """Every table and array in ``doc`` with its path (the document itself first)."""
    yield path, doc
    items = doc.items() if isinstance(doc, dict) else enumerate(doc)
    for key, value in items:
        if isinstance(value, dict | list):
            yield from _containers(value, (*path, key))


@st.composite
def edited(draw, base):
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        places = list(_containers(doc))
        _, where = places[draw(st.integers(0, len(places) - 1))]
        action = draw(st.sampled_from(["set", "set", "delete", "add"]))
        if isinstance(where, list):
            if not where:
                where.append(draw(VALUES))
                continue
            i = draw(st.integers(0, len(where) - 1))
            if action == "delete":
                del where[i]
            else:
                where[i] = draw(VALUES)
            continue
        keys = sorted(where)
        if action == "add" or not keys:
            where[draw(st.sampled_from(sorted(KNOWN) + ["unknown_key"]))] = draw(VALUES)
        elif action == "delete":
            del where[draw(st.sampled_from(keys))]
        else:
            where[draw(st.sampled_from(keys))] = draw(VALUES)
    return doc


def _keys(doc) -> set[str]:
    out = set()
    for _, table in _containers(doc):
        if isinstance(table, dict):
            out |= {str(k) for k in table}
    return out


def assert_names_a_field(err: ValueError, doc) -> None:
    message = str(err)
    if os.environ.get("FUZZ_SHOW"):
        print("REFUSED:", message[:160])
    assert message, "empty ValueError"
    names = KNOWN | _keys(doc)
    assert any(name and name in message for name in names), message


def toml_text(doc) -> str | None:
    try:
        return tomli_w.dumps(doc)
    except (TypeError, ValueError):  # not expressible in TOML (e.g. a list of mixed tables)
        return None


def tiny_run(cube) -> None:
    cost = cube["cost"].values
    valid = np.broadcast_to(
        cube["valid"].values.reshape(cube["valid"].shape + (1,) * (cost.ndim - cube["valid"].ndim)),
        cost.shape,
    )
    assert np.isfinite(cost[valid]).all() and (cost[valid] >= 0).all()


class Reached(Exception):
    """The sweep got past validation to connecting to a cluster."""


@FUZZ
@given(doc=edited(BASE_SPEC))
@example(doc=BASE_SPEC)
def test_fuzzed_sweep_specs(tmp_path_factory, doc):
    text = toml_text(doc)
    if text is None:
        return
    folder = tmp_path_factory.mktemp("spec")
    path = folder / "spec.toml"
    path.write_text(text)
    before = sorted(os.listdir(folder))
    store = folder / "cube.zarr"

    def stop_here(*args, **kwargs):
        raise Reached

    try:
        with mock.patch.object(execute, "connect", stop_here):
            execute.run_sweep(path, store, progress=False, workers=1)
    except ValueError as err:
        assert_names_a_field(err, doc)
        assert sorted(os.listdir(folder)) == before  # nothing written
        event("refused")
        return
    except Reached:
        pass
    assert sorted(os.listdir(folder)) == before  # no store, and the lock released
    spec = load_spec(path)
    if spec.points * spec.reps * spec.periods * len(spec.scenarios or [0]) <= 20_000:
        tiny_run(spec.simulate(parallel=False))
        event("valid: ran")


@FUZZ
@given(doc=edited(BASE_MODEL))
@example(doc=BASE_MODEL)
def test_fuzzed_models(tmp_path_factory, doc):
    text = toml_text(doc)
    if text is None:
        return
    folder = tmp_path_factory.mktemp("model")
    path = folder / "model.toml"
    path.write_text(text)
    try:
        model = load_model(path)
    except ValueError as err:
        assert_names_a_field(err, doc)
        event("refused")
        return
    assert load_model(path) == model and ft.load_model(path) == model
    try:
        cube = ft.simulate(model, reps=2, periods=min(8, model.periods or 8), warmup=0)
    except ValueError as err:  # e.g. a node without a policy, a trace too short
        assert_names_a_field(err, doc)
        event("refused by simulate")
        return
    tiny_run(cube)
    event("valid: ran")
    assert not math.isnan(float(cube["demand"].mean()))
