"""Typed errors of the geometry conversions."""

from __future__ import annotations

from ..errors import DPATError

__all__ = ["DPATGeometryError", "PointBudgetExceededError"]


class DPATGeometryError(DPATError, ValueError):
    """A geometry, mask or GeoJSON document that cannot become IA-API content (names what was wrong)."""


class PointBudgetExceededError(DPATGeometryError):
    """The content would have more points than the configured budget (nothing is truncated silently)."""

    def __init__(self, points: int, budget: int):
        self.points = points
        self.budget = budget
        super().__init__(f"{points} points exceed the point budget of {budget}; raise the budget or pass simplify=True")
