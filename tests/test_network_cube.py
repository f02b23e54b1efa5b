"""Network cubes: layout, per-node and system variables, determinism, the CLI."""

import numpy as np
import pytest
import xarray as xr

import fasttwin as ft
from fasttwin.cli.main import main
from fasttwin.cube.variables import NODE_VARIABLES, SYSTEM_VARIABLES

TWIN = ft.retail_twin()
STORES = ["store_1", "store_2", "store_3"]
GRID = {"warehouse.reorder_point": [600, 1000, 3200], "warehouse.order_up_to": [3000, 3100]}


@pytest.fixture(scope="module")
def cube():
    return ft.simulate(TWIN, GRID, reps=30, seed=4)


def test_layout_and_attrs(cube):
    grid_dims = ("warehouse_reorder_point", "warehouse_order_up_to")
    assert cube["node"].values.tolist() == ["warehouse", *STORES]
    for name in SYSTEM_VARIABLES:
        assert cube[name].dims == (*grid_dims, "rep")
        assert cube[name].attrs["units"] == SYSTEM_VARIABLES[name].units
    for name in NODE_VARIABLES:
        assert cube[name].dims == (*grid_dims, "node", "rep")
        assert cube[name].attrs["long_name"] == NODE_VARIABLES[name].long_name
    assert cube["valid"].dims == grid_dims


def test_invalid_cells_are_nan(cube):
    assert cube["valid"].values.tolist() == [[True, True], [True, True], [False, False]]
    bad = cube.sel({"warehouse_reorder_point": 3200})
    assert bad["cost"].isnull().all() and bad["node_cost"].isnull().all()
    good = cube.sel({"warehouse_reorder_point": 1000})
    assert good["cost"].notnull().all() and good["node_cost"].notnull().all()


def test_system_totals(cube):
    """Costs and stock sum over nodes; demand-side variables count customers only."""
    ok = cube.sel({"warehouse_reorder_point": [600, 1000]})
    for system, node in [
        ("cost", "node_cost"),
        ("holding_cost", "node_holding_cost"),
        ("shortage_cost", "node_shortage_cost"),
        ("on_hand", "node_on_hand"),
        ("orders", "node_orders"),
        ("ordered", "node_ordered"),
    ]:
        np.testing.assert_allclose(ok[system], ok[node].sum("node"), rtol=1e-12)
    for system, node in [
        ("demand", "node_demand"),
        ("sales", "node_sales"),
        ("lost_sales", "node_lost_sales"),
    ]:
        np.testing.assert_allclose(ok[system], ok[node].sel(node=STORES).sum("node"), rtol=1e-12)
    # The warehouse's "demand" is what the stores ordered from it.
    np.testing.assert_allclose(
        ok["node_demand"].sel(node="warehouse"),
        ok["node_ordered"].sel(node=STORES).sum("node"),
        rtol=1e-12,
    )
    filled = (ok["node_fill_rate"] * ok["node_demand"]).sel(node=STORES).sum("node")
    np.testing.assert_allclose(ok["fill_rate"], filled / ok["demand"], rtol=1e-12)
    assert (ok["ready_rate"] <= ok["node_ready_rate"].sel(node=STORES).min("node")).all()
    # Cycles are pooled over the stores: a weighted mean of theirs.
    stores = ok["node_cycle_service"].sel(node=STORES)
    assert (ok["cycle_service"] >= stores.min("node") - 1e-12).all()
    assert (ok["cycle_service"] <= stores.max("node") + 1e-12).all()
    assert (stores.std("node") > 0).any()  # the bounds bite
    # Lost sales at stores, nothing lost or owed to customers elsewhere.
    assert (ok["backorders"] == 0).all() and (
        ok["node_lost_sales"].sel(node="warehouse") == 0
    ).all()
    np.testing.assert_allclose(
        ok["cost"], 2.0 * ok["on_hand"] + 10.0 * ok["lost_sales"], rtol=1e-12
    )


def test_every_policy_sees_the_same_customer_demand(cube):
    demand = cube["node_demand"].sel(node=STORES).where(cube["valid"])
    flat = demand.stack(point=("warehouse_reorder_point", "warehouse_order_up_to")).dropna(
        "point", how="all"
    )
    assert (flat == flat.isel(point=0)).all()
    # ...while the warehouse policy changes what happens.
    assert flat.sizes["point"] == 4
    assert not np.array_equal(
        cube["cost"].isel({"warehouse_reorder_point": 0}).values,
        cube["cost"].isel({"warehouse_reorder_point": 1}).values,
    )


def test_identical_whatever_the_threads_and_the_blocks_of_replications():
    run = dict(periods=60, seed=8)
    whole = ft.simulate(TWIN, GRID, reps=12, **run)
    serial = ft.simulate(TWIN, GRID, reps=12, parallel=False, **run)
    xr.testing.assert_equal(whole.drop_attrs(), serial.drop_attrs())
    parts = [ft.simulate(TWIN, GRID, reps=5, **run), ft.simulate(TWIN, GRID, reps=7, rep0=5, **run)]
    xr.testing.assert_equal(
        whole.drop_attrs(), xr.concat(parts, dim="rep", data_vars="minimal").drop_attrs()
    )


def test_the_retail_twin_is_the_clis_default_model(tmp_path, capsys):
    out = tmp_path / "twin.zarr"
    args = ["simulate", "--grid", "warehouse.reorder_point=800:1201:200", "--reps", "6"]
    assert main([*args, "--periods", "40", "--out", str(out)]) == 0
    scenarios = ["--scenario", "baseline", "--scenario", "supplier_delay"]
    assert main([*args, *scenarios, "--periods", "40", "--out", str(tmp_path / "s.zarr")]) == 0
    both = xr.open_zarr(tmp_path / "s.zarr", consolidated=False)
    assert both["scenario"].values.tolist() == ["baseline", "supplier_delay"]
    assert "wrote" in capsys.readouterr().out
    ds = xr.open_zarr(out, consolidated=False)
    assert ds["node"].values.tolist() == ["warehouse", *STORES]
    assert ds["node_cost"].dims == ("warehouse_reorder_point", "node", "rep")
    assert ds.attrs["model_toml"] == TWIN.to_toml()
    expected = ft.simulate(TWIN, {"warehouse.reorder_point": [800, 1000, 1200]}, reps=6, periods=40)
    np.testing.assert_array_equal(ds["node_cost"].values, expected["node_cost"].values)
