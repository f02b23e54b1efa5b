"""``cycle_service``: the share of replenishment cycles without a stockout.

A hand-worked path, the network's pooling, and the exact textbook value for
(s, S) with Poisson demand, backorders and a fixed lead time, periodic and
continuous. (The kernels match the references in the reference tests.)
"""

import numpy as np
import pytest
from scipy import stats

import fasttwin as ft
from fasttwin.cube.network import network_variables
from fasttwin.engine.network import NetworkSums
from fasttwin.kernels import network_layout as NL

#: Hand-worked below: (s, S) = (5, 12), lead time 2, backorders, 12 units on hand.
DEMAND = [2, 5, 1, 4, 0, 6, 2, 2, 3, 1, 5, 0]


def _hand_case(periods: int, warmup: int):
    model = ft.single_node(
        demand=ft.Trace(DEMAND[:periods]), lead_time=2, reorder_point=5, order_up_to=12
    )
    ds = ft.simulate(model, {}, reps=1, periods=periods, warmup=warmup, seed=0)
    return float(ds["cycle_service"].item()), float(ds["ready_rate"].item())


def test_hand_worked_cycles():
    """Day by day (x: net stock after the day's demand):

    day  0: x=10;  1: x=5;  2: IP=5 -> order 7 (due day 4), x=4;  3: x=0
    day  4: 7 arrive: cycle A (days 0-3, no stockout) closes; x=7;  5: x=1
    day  6: IP=1 -> order 11 (due day 8); 2 wanted, 1 served: stockout; x=-1
    day  7: stockout, x=-3
    day  8: 11 arrive: cycle B (days 4-7, short) closes; x=5
    day  9: IP=5 -> order 7 (due day 11); x=4;  10: 5 wanted, 4 served: stockout
    day 11: 7 arrive: cycle C (days 8-10, short) closes; cycle D opens.
    """
    # Warm-up 3: A, B and C close on measured days (4, 8, 11); stockouts on 3 of 9 days.
    assert _hand_case(12, 3) == (pytest.approx(1 / 3), pytest.approx(6 / 9))
    # Warm-up 5: A closed (day 4) before the measured days; B and C were short.
    assert _hand_case(12, 5) == (0.0, pytest.approx(4 / 7))
    # Days 5-7 measured: no cycle closes, so the open one (B, short on days 6-7) counts.
    assert _hand_case(8, 5) == (0.0, pytest.approx(1 / 3))
    # Day 5 alone: the open cycle B had no stockout yet.
    assert _hand_case(6, 5) == (1.0, 1.0)


def test_a_delivery_day_opens_the_new_cycle():
    """Base stock 3, lead time 0: a day's order arrives before that day's demand.

    Demand 0, 3, 4. Day 1 serves 3 of 3 (stock 0). Day 2 orders 3, which
    arrives at once: the delivery closes cycle days 0-1 (no stockout) and day
    2 is the first day of the next cycle, so its stockout (3 of 4 served)
    belongs to that one, still open at the end and not counted.
    """
    model = ft.single_node(demand=ft.Trace([0, 3, 4]), lead_time=0, order_up_to=3)
    ds = ft.simulate(model, {}, reps=1, periods=3, warmup=0, seed=0)
    assert float(ds["cycle_service"].item()) == 1.0
    assert float(ds["ready_rate"].item()) == pytest.approx(2 / 3)


def test_network_pools_the_demand_nodes_cycles():
    """System cycle service = short cycles / cycles summed over demand nodes (not parents)."""
    model = ft.Model(
        nodes=(
            ft.Node("dc", order_up_to=50),
            ft.Node("a", parent="dc", demand=ft.Poisson(2.0), order_up_to=10),
            ft.Node("b", parent="dc", demand=ft.Poisson(2.0), order_up_to=10),
        )
    )
    nodes = np.zeros((3, NL.N_NODE_SUMS, 1, 1), np.int64)
    nodes[:, NL.CYCLES, 0, 0] = [7, 10, 30]
    nodes[:, NL.SHORT_CYCLES, 0, 0] = [7, 5, 3]
    sums = NetworkSums(nodes, np.zeros((3, 1, 1)), np.zeros((1, 1), np.int64))
    system, node = network_variables(sums, 10, model)
    assert system["cycle_service"][0, 0] == pytest.approx(1 - 8 / 40)
    np.testing.assert_allclose(node["node_cycle_service"][0, :, 0], [0.0, 0.5, 0.9])


def _first_passage(step, level: int, n: int) -> np.ndarray:
    """P(U = u), u < n: U = the sum of i.i.d. steps (pmf ``step``) when it first reaches ``level``.

    ``g[k]`` is the expected number of partial sums (the empty one included)
    equal to ``k``; steps may be 0, hence the division by ``1 - step[0]``.
    """
    g = np.zeros(level)
    for k in range(level):
        g[k] = ((k == 0) + sum(step[j] * g[k - j] for j in range(1, k + 1))) / (1 - step[0])
    return np.array(
        [0.0 if u < level else sum(g[k] * step[u - k] for k in range(level)) for u in range(n)]
    )


def _check_mean(ds, exact):
    values = ds["cycle_service"].values.ravel()
    error = values.std(ddof=1) / np.sqrt(values.size)
    assert abs(values.mean() - exact) < 4 * error, (values.mean(), exact, error)
    # The per-day measure is another number: the test tells the two apart.
    assert abs(float(ds["ready_rate"].mean()) - exact) > 10 * error


def test_periodic_matches_exact_cycle_service():
    """(s, S), Poisson(lam) a day, backorders, lead time L, daily review.

    An order on day t lifts IP to S; the next comes on the first day t' with
    U = D[t..t'-1] >= S - s, and the cycle that t's delivery opens ends on day
    t' + L - 1 with net stock S - U - D[t'..t'+L-1]. It has no stockout
    exactly when that is >= 0 (or when none of its days sees demand, which
    has probability below e**-lam, here 5e-5).
    """
    lam, lead, s, big_s = 10.0, 2, 25, 60
    n = 200
    u_pmf = _first_passage(stats.poisson.pmf(np.arange(n), lam), big_s - s, n)
    exact = float(sum(u_pmf[u] * stats.poisson.cdf(big_s - u, lam * lead) for u in range(n)))
    model = ft.single_node(demand=ft.Poisson(lam), lead_time=lead)
    ds = ft.simulate(
        model,
        {"reorder_point": s, "order_up_to": big_s},
        reps=400,
        periods=1000,
        warmup=30,
        seed=1,
    )
    _check_mean(ds, exact)


def test_continuous_matches_exact_cycle_service():
    """(s, S), Poisson customers of one unit, backorders, fixed lead time L.

    Unit demand lands exactly on s, so every order lifts IP to S and the
    next comes after S - s customers; the cycle its delivery opens ends
    L days after that next order with net stock s - N(L). No stockout exactly
    when N(L) <= s, the textbook cycle service P(Poisson(lam L) <= s) (up to
    a cycle without customers: probability below 2**-(S - s)).
    """
    lam, lead, s, big_s = 10.0, 2.0, 20, 50
    exact = float(stats.poisson.cdf(s, lam * lead))
    model = ft.single_node(demand=ft.Poisson(lam), lead_time=lead, review="continuous")
    ds = ft.simulate(
        model,
        {"reorder_point": s, "order_up_to": big_s},
        reps=400,
        periods=400,
        warmup=20,
        seed=5,
    )
    _check_mean(ds, exact)


def test_descriptions_say_which_service_is_which():
    """The cube's attrs tell the per-cycle measure from the per-day one, in both kernels."""
    for review, delivery in (("periodic", "a day with a delivery"), ("continuous", "instant")):
        model = ft.single_node(demand=ft.Poisson(3.0), lead_time=1, review=review)
        ds = ft.simulate(model, {"reorder_point": 2, "order_up_to": 9}, reps=2, periods=20)
        cycle = ds["cycle_service"].attrs["description"]
        assert cycle.startswith("Share of replenishment cycles without a stockout")
        assert delivery in cycle
        assert "not replenishment cycles" in ds["ready_rate"].attrs["description"]
