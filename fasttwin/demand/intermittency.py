"""Intermittent demand: the Syntetos–Boylan classification of a history.

``ADI`` (average demand interval) is the number of periods per period with
demand, ``n / (periods with demand > 0)``; ``CV²`` is the squared
coefficient of variation of the non-zero demands. With the cut-offs of
Syntetos, Boylan & Croston (2005), ADI 1.32 and CV² 0.49, a history is

- **smooth** (ADI < 1.32, CV² < 0.49), **erratic** (ADI < 1.32, CV² >= 0.49),
- **intermittent** (ADI >= 1.32, CV² < 0.49) or **lumpy** (ADI >= 1.32, CV² >= 0.49).

The class is computed on the history's own periods (days, weeks or months).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49


@dataclass(frozen=True)
class Intermittency:
    """The Syntetos–Boylan class of a history and the two numbers behind it."""

    adi: float
    cv2: float
    kind: str

    @property
    def sparse(self) -> bool:
        """True for intermittent and lumpy histories (ADI >= 1.32)."""
        return self.kind in ("intermittent", "lumpy", "no demand")


def classify(values) -> Intermittency:
    """Classify a history by ADI and CV² (module docstring).

    Examples
    --------
    >>> classify([3, 4, 5, 4])
    Intermittency(adi=1.0, cv2=0.03125, kind='smooth')
    >>> classify([0, 0, 9, 0, 0, 1]).kind
    'lumpy'
    >>> classify([0, 0, 0]).kind
    'no demand'
    """
    y = np.asarray(values, dtype=float)
    positive = y[y > 0]
    if positive.size == 0:
        return Intermittency(adi=math.inf, cv2=math.nan, kind="no demand")
    adi = y.size / positive.size
    cv2 = float(positive.var() / positive.mean() ** 2)
    if adi < ADI_CUTOFF:
        kind = "smooth" if cv2 < CV2_CUTOFF else "erratic"
    else:
        kind = "intermittent" if cv2 < CV2_CUTOFF else "lumpy"
    return Intermittency(adi=float(adi), cv2=cv2, kind=kind)
