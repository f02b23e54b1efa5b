"""Same seed, same cube: whatever the threads, the chunking of the grid or of the reps."""

import numba
import numpy as np
import xarray as xr

import fasttwin as ft

MODEL = ft.single_node(
    demand=ft.NegativeBinomial(mean=8.0, std=5.0, amplitude=0.3, period=30.0),
    lead_time=ft.UniformInt(1, 4),
    holding_cost=1.0,
    backorder_cost=5.0,
    order_cost=20.0,
    reliability=0.9,
)
POLICY = {"reorder_point": list(range(0, 40, 4)), "order_up_to": [40, 60, 80]}
RUN = dict(reps=64, periods=200, warmup=20, seed=99)


def test_identical_for_one_and_two_threads():
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = ft.simulate(MODEL, POLICY, **RUN)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = ft.simulate(MODEL, POLICY, **RUN)
    finally:
        numba.set_num_threads(before)
    xr.testing.assert_equal(one, two)
    serial = ft.simulate(MODEL, POLICY, parallel=False, **RUN)
    xr.testing.assert_equal(one, serial)


def test_grid_whole_equals_grid_in_halves():
    whole = ft.simulate(MODEL, POLICY, **RUN)
    s = POLICY["reorder_point"]
    first = ft.simulate(MODEL, {**POLICY, "reorder_point": s[:4]}, **RUN)
    second = ft.simulate(MODEL, {**POLICY, "reorder_point": s[4:]}, **RUN)
    xr.testing.assert_equal(
        whole, xr.concat([first, second], dim="reorder_point", data_vars="minimal")
    )


def test_reps_in_blocks_equal_reps_at_once():
    whole = ft.simulate(MODEL, POLICY, **RUN)
    run = {k: v for k, v in RUN.items() if k != "reps"}
    a = ft.simulate(MODEL, POLICY, reps=24, rep0=0, **run)
    b = ft.simulate(MODEL, POLICY, reps=40, rep0=24, **run)
    xr.testing.assert_equal(whole, xr.concat([a, b], dim="rep", data_vars="minimal"))


def test_common_random_numbers_across_policies():
    """Every policy sees the same demand path, so per-rep demand is equal across the grid."""
    ds = ft.simulate(MODEL, POLICY, **RUN)
    demand = ds["demand"].values.reshape(-1, RUN["reps"])
    assert (demand == demand[0]).all()


def test_different_seeds_differ():
    a = ft.simulate(MODEL, POLICY, **RUN)
    b = ft.simulate(MODEL, POLICY, **{**RUN, "seed": 100})
    assert not np.array_equal(a["demand"].values, b["demand"].values)


def test_cubes_built_in_small_blocks_equal_cubes_built_at_once(monkeypatch):
    """Blocks sized by memory (one replication each here) change nothing, for every kernel."""
    from fasttwin.engine import threads

    network = ft.retail_twin()
    continuous = ft.single_node(
        demand=ft.Poisson(mean=4.0), lead_time=ft.Uniform(1.0, 2.0), review="continuous"
    )
    cases = [
        (MODEL, POLICY, ["baseline", "demand_surge"]),
        (network, {"warehouse.reorder_point": [800, 1000]}, ["baseline", "supplier_delay"]),
        (continuous, {"reorder_point": [2, 4], "order_up_to": [10, 12]}, None),
    ]
    run = dict(reps=9, periods=40, warmup=5, seed=3)
    for model, policy, scenario in cases:
        whole = ft.simulate(model, policy, scenario=scenario, parallel=False, **run)
        with monkeypatch.context() as m:
            m.setattr(threads, "BLOCK_BYTES", 1)
            assert len(threads.rep_blocks(9, 1, rep_bytes=8)) == 10
            blocks = ft.simulate(model, policy, scenario=scenario, **run)
        xr.testing.assert_identical(whole.drop_attrs(), blocks.drop_attrs())
        assert whole.attrs.keys() == blocks.attrs.keys()
