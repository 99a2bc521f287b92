"""Geometry of the small history chart, drawn as inline SVG by the service template.

Computed here so the template only places numbers; colours come from classes in
``vigie.css`` (the CSP forbids style attributes), and each series also has its own dash
pattern and marker shape so it is told apart without colour.
"""

from __future__ import annotations

from dataclasses import dataclass

from reports.site.history import HistoryPoint

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 56, 32, 56


@dataclass(frozen=True)
class Series:
    name: str
    css: str  # class of the line and markers
    points: list[tuple[float, float, int]]  # x, y, value
    marker: str = "circle"  # circle, square or triangle: told apart without colour

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.points)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right_x: int
    top: int
    bottom_y: int
    y_ticks: list[tuple[float, int]]  # y, value
    x_ticks: list[tuple[float, str, str]]  # x, run label, date
    series: list[Series]


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    step = 1
    while value > step * 4:  # 1, 2, 5, 10, 20, 50…: four round ticks above zero
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    return step * 4


def line_chart(ticks: list[tuple[str, str]],
               lines: list[tuple[str, str, str, list[int]]]) -> Chart:
    """A chart of one value per run for each line (name, css class, marker, values); ``ticks``
    are the runs' (label, date), oldest first."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    top_value = _nice_max(max([v for *_, values in lines for v in values] or [0]))
    n = len(ticks)

    def x_of(i: int) -> float:
        return LEFT + (plot_w / 2 if n == 1 else plot_w * i / (n - 1))

    def y_of(v: int) -> float:
        return TOP + plot_h * (1 - v / top_value)

    y_ticks = [(y_of(top_value * k // 4), top_value * k // 4) for k in range(5)]
    stride = max(1, (n + 7) // 8)  # at most about eight labels: they must not overlap
    x_ticks = [(x_of(i), label, date) for i, (label, date) in enumerate(ticks)
               if i % stride == 0 or i == n - 1]
    series = [Series(name, css, [(x_of(i), y_of(v), v) for i, v in enumerate(values)], marker)
              for name, css, marker, values in lines]
    return Chart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM, y_ticks, x_ticks,
                 series)


def build_chart(points: list[HistoryPoint]) -> Chart:
    """A service's findings per run."""
    return line_chart(
        [(f"n° {p.run_id}", p.date[:5] + p.date[10:]) for p in points],
        [("Constats non conformes (tous contrôles)", "vigie-chart__failed", "circle",
          [p.failed for p in points]),
         ("Violations axe-core (règle × page)", "vigie-chart__axe", "square",
          [p.axe_violations for p in points])])
