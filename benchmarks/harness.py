"""Interleaved floor/subject timing, reported as the median ratio of many pairs."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass
class Figure:
    id: str
    what: str
    floor: str
    floor_s: float
    subject_s: float
    ratio: float
    target: float | None  # None: informational, no target
    pairs: int

    @property
    def passed(self) -> bool | None:
        return None if self.target is None else self.ratio <= self.target

    def row(self) -> str:
        verdict = {True: "pass", False: "FAIL", None: "info"}[self.passed]
        target = f"≤ {self.target:g}" if self.target is not None else "–"
        return (f"{self.id:5} {self.what:46.46} {self.floor:8} {self.floor_s * 1e3:9.3f} ms "
                f"{self.subject_s * 1e3:9.3f} ms {self.ratio:7.2f} {target:>7} {verdict}")

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


HEADER = (f"{'id':5} {'what':46} {'floor':8} {'floor':>12} {'subject':>12} {'ratio':>7} "
          f"{'target':>7} result")


def _time(fn: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def measure(
    id: str,
    what: str,
    floor_name: str,
    floor: Callable[[], object],
    subject: Callable[[], object],
    *,
    target: float | None,
    pairs: int = 25,
    warmup: int = 3,
    repeat: int = 5,
) -> Figure:
    """Run floor and subject alternately ``pairs`` times (each ``repeat`` calls) after a warm-up.

    The ratio is the median of the per-pair ratios, so a burst of noise on a shared machine
    moves one pair, not the figure.
    """
    for _ in range(warmup):
        floor()
        subject()
    ratios, floors, subjects = [], [], []
    for _ in range(pairs):
        f = _time(floor, repeat)
        s = _time(subject, repeat)
        floors.append(f)
        subjects.append(s)
        ratios.append(s / f)
    return Figure(
        id=id, what=what, floor=floor_name, floor_s=statistics.median(floors),
        subject_s=statistics.median(subjects), ratio=statistics.median(ratios),
        target=target, pairs=pairs,
    )


@dataclass
class CountFigure:
    """An absolute count (SQL queries): at a small and a large size, equal and under a limit."""

    id: str
    what: str
    small: int
    large: int | None  # None: a single measurement
    limit: int | None

    @property
    def passed(self) -> bool:
        equal = self.large is None or self.large == self.small
        return equal and (self.limit is None or max(self.small, self.large or 0) <= self.limit)

    def row(self) -> str:
        measured = f"{self.small}" if self.large is None else f"{self.small} / {self.large}"
        target = ("equal" if self.large is not None else "") + (
            f" ≤ {self.limit}" if self.limit is not None else "")
        return (f"{self.id:5} {self.what:46.46} {'queries':8} {measured:>25} {'':7} "
                f"{target.strip():>7} {'pass' if self.passed else 'FAIL'}")

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}


@dataclass
class MemoryFigure:
    """Resident memory growth over a repeated operation, in bytes, under a limit."""

    id: str
    what: str
    growth: int
    limit: int

    @property
    def passed(self) -> bool:
        return self.growth < self.limit

    def row(self) -> str:
        measured = f"{self.growth / 2**20:+.1f} MB"
        target = f"< {self.limit / 2**20:g} MB"
        return (f"{self.id:5} {self.what:46.46} {'RSS':8} {measured:>25} {'':7} "
                f"{target:>7} {'pass' if self.passed else 'FAIL'}")

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}
