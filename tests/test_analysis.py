"""Analysis on constructed cubes whose answers are known exactly."""

import math

import numpy as np
import pytest
import xarray as xr
from scipy import stats

from fasttwin.analysis import best_policy, convergence, frontier, grid_dims, summarize
from fasttwin.analysis.convergence import reps_needed
from fasttwin.analysis.frontier import pareto_mask
from fasttwin.analysis.summaries import to_frames

T3 = stats.t.ppf(0.975, 3)  # 3.1824...: four replications
T2 = stats.t.ppf(0.975, 2)  # 4.3027...: three replications
NAN4 = [math.nan] * 4

# Grid (s, S) in C order: (10,40) (10,50) (20,40) (20,50) (30,40) (30,50); (30,40) is no policy.
COST = [
    [10, 11, 9, 10],  # cheapest, but misses the target
    [11.5, 11.5, 11.5, 11.5],  # paired difference to the best: mean 0.5, CI contains 0
    [13, 14, 12, 13],  # exactly 2 above the best in every rep: told apart
    [11, 12, 10, 11],  # the best
    NAN4,
    [11, 12, 10, 11],  # ties the best in cost, lower service
]
FILL = [
    [0.97] * 4,
    [0.99] * 4,
    [0.99] * 4,
    [0.98, 0.99, 0.98, 0.99],
    NAN4,
    [0.98] * 4,
]


def cube(cost=COST, fill=FILL):
    shape = (3, 2, 4)
    valid = np.array([[True, True], [True, True], [False, True]])
    return xr.Dataset(
        {
            "cost": (("s", "S", "rep"), np.array(cost, float).reshape(shape)),
            "fill_rate": (("s", "S", "rep"), np.array(fill, float).reshape(shape)),
            "valid": (("s", "S"), valid),
        },
        coords={"s": [10, 20, 30], "S": [40, 50], "rep": np.arange(4)},
    )


def test_summarize_exact():
    sm = summarize(cube())
    mean = sm["cost_mean"].sel(s=20, S=50).item()
    se = sm["cost_se"].sel(s=20, S=50).item()
    assert mean == 11.0
    assert se == pytest.approx(math.sqrt(2 / 3) / 2, rel=1e-14)
    assert sm["cost_ci_low"].sel(s=20, S=50).item() == pytest.approx(11 - T3 * se, rel=1e-14)
    assert sm["cost_ci_high"].sel(s=20, S=50).item() == pytest.approx(11 + T3 * se, rel=1e-14)
    # A constant column has a zero-width interval; the invalid cell has nothing.
    assert sm["cost_se"].sel(s=10, S=50).item() == 0.0
    assert sm["cost_ci_low"].sel(s=10, S=50).item() == 11.5
    assert np.isnan(sm["cost_mean"].sel(s=30, S=40).item())
    assert sm["n_reps"].values.tolist() == [[4, 4], [4, 4], [0, 4]]
    assert sm["fill_rate_mean"].sel(s=20, S=50).item() == pytest.approx(0.985, abs=1e-15)
    frame = to_frames(sm)["summary"]
    assert len(frame) == 5  # the invalid cell is left out of the table
    assert list(frame.columns[:3]) == ["s", "S", "n_reps"]


def test_summarize_counts_missing_replications():
    ds = cube()
    ds["cost"][0, 0, 3] = np.nan  # (10, 40) lost its last replication
    sm = summarize(ds, ["cost"])
    assert sm["n_reps"].sel(s=10, S=40).item() == 3
    assert sm["cost_mean"].sel(s=10, S=40).item() == 10.0
    assert sm["cost_se"].sel(s=10, S=40).item() == pytest.approx(1 / math.sqrt(3), rel=1e-14)
    low = sm["cost_ci_low"].sel(s=10, S=40).item()
    assert low == pytest.approx(10 - T2 / math.sqrt(3), rel=1e-14)


def test_summarize_per_node_variables():
    ds = cube()
    on_hand = np.stack([ds["cost"].values, 2 * ds["cost"].values], axis=2)  # (s, S, node, rep)
    ds["node_on_hand"] = (("s", "S", "node", "rep"), on_hand)
    ds = ds.assign_coords(node=["warehouse", "store"])
    assert grid_dims(ds) == ("s", "S")
    sm = summarize(ds)
    assert sm["node_on_hand_mean"].dims == ("s", "S", "node")
    assert sm["node_on_hand_mean"].sel(s=20, S=50, node="store").item() == 22.0
    nodes = to_frames(sm)["summary_nodes"]
    assert len(nodes) == 10 and set(nodes["node"]) == {"warehouse", "store"}
    # best_policy reads the system variables and ignores the per-node ones.
    assert best_policy(ds).recommended.policy == {"s": 20, "S": 50}


def test_best_policy_and_indistinguishable_set():
    best = best_policy(cube(), target=0.98)
    c = best.recommended
    assert c.feasible and c.policy == {"s": 20, "S": 50}
    assert c.cost.mean == 11.0 and c.cost.n == 4
    se = math.sqrt(2 / 3) / 2
    assert c.cost.low == pytest.approx(11 - T3 * se, rel=1e-14)
    assert c.service.mean == pytest.approx(0.985, abs=1e-15)
    # (30,50) ties exactly, (10,50) differs by 0.5 ± 1.30; (20,40) is 2 above in every rep.
    assert c.indistinguishable == ({"s": 20, "S": 50}, {"s": 30, "S": 50}, {"s": 10, "S": 50})
    assert c.n_feasible == 4 and c.n_policies == 5 and c.shortfall == 0.0
    assert "2 other feasible policies cannot be told apart" in best.describe()


def test_best_policy_confident_rule():
    c = best_policy(cube(), target=0.98, rule="confident").recommended
    # (20,50) has mean 0.985 but its interval reaches below 0.98; constant columns
    # (0.98 at (30,50), 0.99 at (10,50) and (20,40)) have zero-width intervals.
    assert c.policy == {"s": 30, "S": 50} and c.cost.mean == 11.0
    assert c.service.low == pytest.approx(0.98, abs=1e-15)
    assert c.indistinguishable == ({"s": 30, "S": 50}, {"s": 10, "S": 50})
    assert c.n_feasible == 3


def test_best_policy_when_nothing_is_feasible():
    best = best_policy(cube(), target=1.0)
    c = best.recommended
    assert not c.feasible and c.indistinguishable == () and c.n_feasible == 0
    # Highest service 0.99 at (10,50) and (20,40); the cheaper one is named.
    assert c.policy == {"s": 10, "S": 50}
    assert c.shortfall == pytest.approx(0.01, abs=1e-15)
    assert "no policy of the grid meets fill_rate >= 1" in best.describe()


def scenario_cube():
    # One axis S = 1, 2, 3; scenarios lo and hi; three replications.
    cost = {
        "lo": [[1, 2, 3], [3, 3, 3], [5, 5, 5]],
        "hi": [[10, 10, 10], [4, 4, 4], [6, 6, 6]],
    }
    fill = {
        "lo": [[0.99] * 3, [0.99] * 3, [0.99] * 3],
        "hi": [[0.99] * 3, [0.975] * 3, [0.985] * 3],
    }
    stack = lambda d: np.stack([np.array(d["lo"], float), np.array(d["hi"], float)], axis=1)  # noqa: E731
    return xr.Dataset(
        {
            "cost": (("S", "scenario", "rep"), stack(cost)),
            "fill_rate": (("S", "scenario", "rep"), stack(fill)),
        },
        coords={"S": [1, 2, 3], "scenario": ["lo", "hi"]},
    )


def test_best_policy_per_scenario_worst_case_and_average():
    best = best_policy(scenario_cube(), target=0.98)
    assert best.by_scenario["lo"].policy == {"S": 1}
    assert best.by_scenario["lo"].cost.mean == 2.0
    hi = best.by_scenario["hi"]
    assert hi.policy == {"S": 3} and hi.cost.mean == 6.0 and hi.n_feasible == 2
    wc = best.worst_case
    # Worst costs 10, 4, 6; S=2 misses 0.98 under hi: S=3 at its hi cost.
    assert wc.policy == {"S": 3} and wc.cost.mean == 6.0
    assert wc.cost_scenario == "hi" and wc.service_scenario == "hi"
    assert wc.service.mean == pytest.approx(0.985, abs=1e-15)
    assert wc.indistinguishable == ({"S": 3},)
    assert best.recommended is wc
    avg = best.average
    # Averages per rep: S=1 [5.5, 6, 6.5], S=2 3.5, S=3 5.5; service S=2 0.9825 is feasible.
    assert avg.policy == {"S": 2} and avg.cost.mean == 3.5
    assert avg.service.mean == pytest.approx(0.9825, abs=1e-15)
    assert avg.indistinguishable == ({"S": 2},)
    assert [c.label for c in best.choices] == ["lo", "hi", "worst case", "average"]
    frame = best.to_frame()
    assert frame["answer"].tolist() == ["lo", "hi", "worst case", "average"]
    assert frame["S"].tolist() == [1, 3, 3, 2]


def test_frontier_exact():
    f = frontier(cube())
    # Means: (10,40) 10/.97, (20,50) 11/.985, (30,50) 11/.98, (10,50) 11.5/.99, (20,40) 13/.99.
    assert list(zip(f["s"], f["S"], strict=True)) == [(10, 40), (20, 50), (10, 50)]
    assert f["cost_mean"].tolist() == [10.0, 11.0, 11.5]
    se = math.sqrt(2 / 3) / 2
    assert f["cost_ci_high"].tolist() == pytest.approx([10 + T3 * se, 11 + T3 * se, 11.5])
    assert f["fill_rate_ci_low"].iloc[0] == pytest.approx(0.97, abs=1e-15)
    assert f["n_reps"].tolist() == [4, 4, 4]
    fs = frontier(scenario_cube())
    assert fs[fs["scenario"] == "lo"]["S"].tolist() == [1]
    assert fs[fs["scenario"] == "hi"]["S"].tolist() == [2, 3, 1]


def test_pareto_mask_keeps_ties_and_drops_nan():
    cost = np.array([1.0, 1.0, 2.0, np.nan, 0.5])
    service = np.array([0.9, 0.9, 0.95, 0.99, 0.5])
    assert pareto_mask(cost, service).tolist() == [True, True, True, False, True]


def test_convergence_exact():
    cv = convergence(cube(), halfwidth={"cost": 0.5})
    mean = cv["cost_mean"].sel(s=20, S=50).values
    hw = cv["cost_halfwidth"].sel(s=20, S=50).values
    assert mean.tolist() == [11.0, 11.5, 11.0, 11.0]
    t1 = stats.t.ppf(0.975, 1)
    expected = [t1 * 0.5, T2 * 1 / math.sqrt(3), T3 * math.sqrt(2 / 3) / 2]
    assert np.isnan(hw[0])
    np.testing.assert_allclose(hw[1:], expected, rtol=1e-12)
    assert cv["cost_mean"].dims == ("s", "S", "n")
    # Brute force: smallest n with t(n-1) sd / sqrt(n) <= 0.5 for sd = sqrt(2/3).
    sd = math.sqrt(2 / 3)
    n = 2
    while stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n) > 0.5:
        n += 1
    assert cv["cost_reps_needed"].sel(s=20, S=50).item() == n == 13
    # A constant column needs the minimum of 2; the invalid cell has no answer.
    assert cv["cost_reps_needed"].sel(s=10, S=50).item() == 2
    assert np.isnan(cv["cost_reps_needed"].sel(s=30, S=40).item())
    # Default: 1 % of the mean for variables not given.
    assert cv["fill_rate_target_halfwidth"].sel(s=20, S=50).item() == pytest.approx(0.00985)


def test_reps_needed_matches_brute_force():
    rng = np.random.default_rng(1)
    sd = rng.uniform(0.1, 5.0, 40)
    h = rng.uniform(0.05, 2.0, 40)
    got = reps_needed(sd, h)
    for s, hh, g in zip(sd, h, got, strict=True):
        n = 2
        while stats.t.ppf(0.975, n - 1) * s / math.sqrt(n) > hh:
            n += 1
        assert g == n


def test_cube_without_valid_and_without_grid_axes():
    ds = cube().drop_vars("valid")
    assert best_policy(ds).recommended.policy == {"s": 20, "S": 50}
    one = cube().sel(s=20, S=50)
    assert grid_dims(one) == ()
    best = best_policy(one)
    assert best.recommended.policy == {} and best.recommended.cost.mean == 11.0
    assert frontier(one)["cost_mean"].tolist() == [11.0]


@pytest.mark.parametrize("target", [0.0, -0.1, 1.01, float("nan"), "0.9", True])
def test_bad_target(target):
    with pytest.raises(ValueError, match=r"target must be a number in \(0, 1\]"):
        best_policy(cube(), target=target)


def test_bad_input():
    with pytest.raises(ValueError, match="needs variable.*cycle_service.*it has: cost"):
        best_policy(cube(), service="cycle_service")
    with pytest.raises(ValueError, match="needs variable.*cost"):
        frontier(cube().drop_vars("cost"))
    with pytest.raises(ValueError, match="rule must be one of mean, confident"):
        best_policy(cube(), rule="strict")
    with pytest.raises(ValueError, match="no 'rep' dimension"):
        summarize(cube().isel(rep=0))
    with pytest.raises(ValueError, match="confidence must be a number in"):
        summarize(cube(), confidence=1.0)
    with pytest.raises(ValueError, match="halfwidth.*> 0"):
        convergence(cube(), halfwidth={"cost": 0})
    with pytest.raises(ValueError, match="expected an xarray.Dataset"):
        best_policy(np.zeros(3))
    # A dim that is neither a grid axis of 'valid' nor scenario/node/rep.
    odd = cube()
    odd["extra"] = (("sku", "rep"), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="grid axes are all its dims except"):
        best_policy(odd)
    with_node = cube()
    with_node["node_fill_rate"] = (("s", "S", "node", "rep"), np.ones((3, 2, 1, 4)))
    with pytest.raises(ValueError, match="select one value first"):
        best_policy(with_node, service="node_fill_rate")


def test_summarize_is_lazy_on_dask_cubes_and_equal():
    ds = cube()
    lazy = summarize(ds.chunk({"s": 1, "rep": 2}))
    assert lazy["cost_mean"].chunks is not None
    xr.testing.assert_identical(lazy.compute(), summarize(ds))
