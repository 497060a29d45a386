"""Panels: one domain's section on another domain's page.

The firm's home page shows upcoming meetings, questions, feedback requests and
quality actions; the FDA work list shows what each domain needs done. Each
domain registers its panel here, so the page that hosts it need not know it:

    @panel("firm_home", order=20)
    def upcoming_meetings(*, engagements):
        return render_template("meetings/_firm_home_panel.html", ...)

Hosts call ``render_panels("firm_home", engagements=...)`` (also a template
global). A panel must issue a fixed number of queries, whatever the data size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

#: Slots and what their panels receive as keyword arguments.
SLOTS = {
    "firm_home": "engagements: list[Engagement] (the viewer's firm's)",
    "engagement": "engagement: Engagement (FDA's and the firm's engagement page)",
    "worklist": "nothing (FDA work list)",
    "site": "site: Site (FDA site page)",
}

_PANELS: dict[str, list[tuple[int, str, Callable[..., Any]]]] = defaultdict(list)


def panel(slot: str, order: int = 50) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    if slot not in SLOTS:
        raise ValueError(f"unknown panel slot {slot!r}")

    def register(function: Callable[..., Any]) -> Callable[..., Any]:
        key = f"{function.__module__}.{function.__qualname__}"
        entries = _PANELS[slot]
        entries[:] = [entry for entry in entries if entry[1] != key]
        entries.append((order, key, function))
        entries.sort(key=lambda entry: (entry[0], entry[1]))
        return function

    return register


def render_panels(slot: str, **context: Any) -> Markup:
    parts = []
    for _order, _key, function in _PANELS[slot]:
        html = function(**context)
        if html:
            parts.append(str(html))
    return Markup("\n".join(parts))  # noqa: S704 - each part is a rendered, escaped template
