"""Horizontal bar charts drawn on the server as SVG.

Our own SVG rather than a charting library: the Content-Security-Policy
forbids inline script and style, which rules out the client-side libraries,
and the Python ones that emit SVG (pygal, matplotlib) write inline style
attributes and no text alternative. These charts carry every figure as a
text label beside its bar (no meaning by colour alone), a <title> and a
<desc> listing the figures (role="img"), and print like the page around them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

#: Drawing units (the SVG scales to its box; see static/css/metrics.css).
WIDTH = 720
ROW_HEIGHT = 34
BAR_HEIGHT = 22
#: Room right of the longest bar for its value text.
VALUE_ROOM = 290


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    width: float

    @property
    def text_y(self) -> int:
        """Baseline of the labels, centred on the bar."""
        return self.y + BAR_HEIGHT // 2 + 5


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    bars: tuple[Bar, ...]
    label_width: int

    @property
    def height(self) -> int:
        return max(len(self.bars), 1) * ROW_HEIGHT + 8

    @property
    def width(self) -> int:
        return WIDTH

    @property
    def bar_x(self) -> int:
        return self.label_width

    @property
    def description(self) -> str:
        """The text alternative: every bar's label and figure, in order."""
        return "; ".join(f"{bar.label}: {bar.text}" for bar in self.bars) + "."

    def value_x(self, bar: Bar) -> float:
        return self.label_width + bar.width + 6


def bar_chart(
    chart_id: str,
    title: str,
    items: Sequence[tuple[str, float | int | None, str]],
    *,
    label_width: int = 250,
) -> BarChart:
    """Bars for (label, value, text) items, scaled to the largest value."""
    longest = WIDTH - label_width - VALUE_ROOM
    top = max((value or 0 for _, value, _ in items), default=0)
    bars = tuple(
        Bar(
            label=label,
            text=text,
            y=4 + index * ROW_HEIGHT,
            width=round(longest * (value or 0) / top, 1) if top else 0.0,
        )
        for index, (label, value, text) in enumerate(items)
    )
    return BarChart(chart_id, title, bars, label_width)
