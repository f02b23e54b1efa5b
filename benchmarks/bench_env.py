"""Step environments: env-steps per second of fasttwin's vector env against gym-invmgmt.

fasttwin's :class:`~fasttwin.env.TwinVectorEnv` at ``num_envs`` = 1 and 4,096
(every environment advanced by one Numba call per step, split over the Numba
threads), for a single node (Poisson(20) demand, lead time 2, backorders) and
the retail twin (supplier -> warehouse -> 3 stores), against gym-invmgmt's
``CoreEnv`` (a Gymnasium env stepped in Python; its ``serial`` 3-stage line and
its ``network`` divergent multi-echelon scenario), one env and a
``gymnasium.vector.SyncVectorEnv`` of several. Actions are drawn in advance,
so only stepping is timed; episodes autoreset as they end. Ratios compare rates
measured in the same run.

OR-Gym's ``InvManagement`` is not measured: ``pip install or-gym`` needs
``gym<=0.19``, whose ``setup.py`` no longer builds with current setuptools
("'extras_require' must be a dictionary ...").

gym-invmgmt comes with the ``bench-env`` extra (``pip install -e ".[bench-env]"``);
without it only fasttwin is measured.

    python benchmarks/bench_env.py            # full size (about a minute)
    python benchmarks/bench_env.py --quick    # seconds; what the smoke test runs
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import fasttwin as ft

#: Targets of the issue, env-steps/s with num_envs = 4,096 on 2 cores.
TARGETS = {"single node": 1e7, "retail twin": 1e6}


def models() -> dict:
    single = ft.single_node(
        ft.Poisson(20.0), lead_time=2, holding_cost=1.0, backorder_cost=9.0, order_up_to=80
    )
    return {"single node": single, "retail twin": ft.retail_twin()}


def fasttwin_rate(model, num_envs: int, steps: int, repeat: int) -> tuple[float, float]:
    """(env-steps/s through ``TwinVectorEnv.step``, and of the step kernel call alone)."""
    envs = ft.env.TwinVectorEnv(model, num_envs, episode_length=365, seed=1)
    rng = np.random.default_rng(0)
    actions = [rng.random(envs.action_space.shape, dtype=np.float32) * 0.2 for _ in range(8)]
    envs.reset()
    envs.step(actions[0])  # compile outside the timings
    st = envs.stepper

    def run_env():
        for k in range(steps):
            envs.step(actions[k % 8])

    def run_kernel():
        for _ in range(steps):
            if st.done().any():
                st.reset()
            st.step()

    best_env = best_kernel = float("inf")
    for _ in range(repeat):
        envs.reset()
        t0 = time.perf_counter()
        run_env()
        best_env = min(best_env, time.perf_counter() - t0)
        st.reset()
        t0 = time.perf_counter()
        run_kernel()
        best_kernel = min(best_kernel, time.perf_counter() - t0)
    envs.close()
    return num_envs * steps / best_env, num_envs * steps / best_kernel


def invmgmt_rate(scenario: str, num_envs: int, seconds: float) -> float | None:
    """env-steps/s of gym-invmgmt's CoreEnv (a SyncVectorEnv when ``num_envs > 1``)."""
    try:
        import gymnasium as gym
        from gym_invmgmt import CoreEnv
    except ImportError:
        return None
    if num_envs == 1:
        env = CoreEnv(scenario=scenario, num_periods=30)
    else:
        env = gym.vector.SyncVectorEnv(
            [lambda: CoreEnv(scenario=scenario, num_periods=30) for _ in range(num_envs)]
        )
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(8)]
    env.reset(seed=0)
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        _, _, terminated, truncated, _ = env.step(actions[n % 8])
        n += 1
        if num_envs == 1 and (terminated or truncated):
            env.reset()
    return num_envs * n / (time.perf_counter() - t0)


BASELINE_SCENARIO = {"single node": "serial", "retail twin": "network"}


def bench(batch: int, steps: int, baseline_envs: int, seconds: float, repeat: int) -> list[dict]:
    rows = []
    for name, model in models().items():
        for num_envs in (1, batch):
            env_rate, kernel_rate = fasttwin_rate(
                model, num_envs, steps if num_envs > 1 else 20 * steps, repeat
            )
            base_envs = 1 if num_envs == 1 else baseline_envs
            base = invmgmt_rate(BASELINE_SCENARIO[name], base_envs, seconds)
            rows.append(
                dict(
                    model=name,
                    num_envs=num_envs,
                    fasttwin=env_rate,
                    kernel=kernel_rate,
                    baseline=base,
                    baseline_envs=base_envs,
                    ratio=None if base is None else env_rate / base,
                )
            )
    return rows


def table(rows: list[dict]) -> str:
    head = (
        "| model | num_envs | fasttwin env-steps/s | step kernel alone | "
        "gym-invmgmt env-steps/s | ratio | target |"
    )
    lines = [head, "|" + "---|" * 7]
    for r in rows:
        base = "not installed" if r["baseline"] is None else f"{r['baseline']:,.0f}"
        if r["baseline"] is not None and r["baseline_envs"] > 1:
            base += f" (SyncVectorEnv of {r['baseline_envs']})"
        ratio = "" if r["ratio"] is None else f"{r['ratio']:,.0f}x"
        target = ""
        if r["num_envs"] > 1:
            goal = TARGETS[r["model"]]
            target = f"{goal:.0e} ({'met' if r['fasttwin'] >= goal else 'not met'})"
        lines.append(
            f"| {r['model']} | {r['num_envs']:,} | {r['fasttwin']:,.0f} | {r['kernel']:,.0f} | "
            f"{base} | {ratio} | {target} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke test)")
    parser.add_argument("--repeat", type=int, default=3, help="timings per figure (best kept)")
    args = parser.parse_args(argv)
    if args.quick:
        sizes = dict(batch=256, steps=5, baseline_envs=4, seconds=0.2)
    else:
        sizes = dict(batch=4096, steps=100, baseline_envs=64, seconds=3.0)
    rows = bench(repeat=args.repeat, **sizes)
    import numba

    print(
        f"env-steps/s; {os.cpu_count()} CPUs, {numba.get_num_threads()} Numba threads; "
        f"best of {args.repeat}\n"
    )
    print(table(rows))
    if not args.quick:
        from common import save

        save("env", {"rows": rows})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
