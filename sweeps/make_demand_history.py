"""Write ``sweeps/demand_history.csv``: two years of synthetic daily demand for six products.

Run ``python sweeps/make_demand_history.py``; a test checks that the committed
file is what this script writes. Each product is drawn the way the twin
draws demand, from a known model, so ``fasttwin import-demand`` has
something to recover:

- ``espresso_1kg``: negative binomial (size 6), base 40/day, +15 %/year, a
  yearly season of amplitude 0.25;
- ``oat_milk``: Poisson, base 25/day, a weekly cycle of amplitude 0.3;
- ``tea_sampler``: normal, mean 80, std 12, steady;
- ``gift_box``: lumpy: most days none, about one day in eight an order of
  about 25;
- ``cold_brew``: gamma (std 40 % of the mean), base 30/day, a surge of
  x1.6 in the last four weeks;
- ``paper_filters``: Poisson 15/day, falling to x0.5 in the last four weeks.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from pathlib import Path

import numpy as np

DAYS = 730
START = dt.date(2023, 1, 2)
OUT = Path(__file__).with_name("demand_history.csv")


def histories(seed: int = 2024) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(DAYS, dtype=float)
    last4 = t >= DAYS - 28

    def sine(amplitude, period, phase=0.0):
        return 1.0 + amplitude * np.sin(2.0 * math.pi * (t + phase) / period)

    espresso = 40.0 * (1.0 + 0.15 / 365.0 * t) * sine(0.25, 365.0, 60.0)
    cold_brew = 30.0 * np.where(last4, 1.6, 1.0)
    return {
        "espresso_1kg": rng.negative_binomial(6.0, 6.0 / (6.0 + espresso)),
        "oat_milk": rng.poisson(25.0 * sine(0.3, 7.0)),
        "tea_sampler": np.rint(np.maximum(rng.normal(80.0, 12.0, DAYS), 0.0)),
        "gift_box": np.where(rng.uniform(size=DAYS) < 0.125, rng.poisson(25.0, DAYS), 0),
        "cold_brew": np.rint(rng.gamma(1 / 0.4**2, cold_brew * 0.4**2)),
        "paper_filters": rng.poisson(15.0 * np.where(last4, 0.5, 1.0)),
    }


def write(path: Path = OUT) -> Path:
    """Write the long file ``date,product_name,demand``, one row per product and day."""
    data = histories()
    with path.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["date", "product_name", "demand"])
        for day in range(DAYS):
            date = (START + dt.timedelta(days=day)).isoformat()
            for product, values in data.items():
                writer.writerow([date, product, int(values[day])])
    return path


if __name__ == "__main__":
    print(f"wrote {write()}")
