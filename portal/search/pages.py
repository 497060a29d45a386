"""What FDA's and the firm's search pages share: reading the form, running, auditing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import request
from sqlalchemy import Select, func, select

from portal.extensions import db
from portal.search import queries, services
from portal.search.forms import SearchForm
from portal.search.queries import Filters, Hit
from portal.search.text import QueryError, parse_query
from portal.templating import viewer_zone
from portal.timeutil import zone

#: The most matches a search counts (see ``run``).
COUNT_LIMIT = 1000


@dataclass
class Outcome:
    """A search page's content: nothing asked yet, a refusal, or a page of hits."""

    asked: bool = False
    page: object | None = None
    hits: list[Hit] = field(default_factory=list)
    #: The query string without ?page=, for the pagination links.
    args: dict[str, str] = field(default_factory=dict)
    #: More matches than are counted: the page says "more than" and asks for narrower words.
    beyond_count: bool = False
    count_limit: int = 0


def _filters(form: SearchForm, firm_id: int | None) -> Filters:
    viewer = zone(viewer_zone())
    start = end = None
    if form.date_from.data:
        start = datetime.combine(form.date_from.data, time.min, viewer)
    if form.date_to.data:
        end = datetime.combine(form.date_to.data + timedelta(days=1), time.min, viewer)
    return Filters(
        kind=form.kind.data or None,
        firm_id=firm_id,
        topic=form.topic.data or None,
        start=start,
        end=end,
    )


def run(form: SearchForm, *, scope, firm_id: int | None, audit_firm_id: int | None) -> Outcome:
    """Validate ``form`` (already filled from the query string), search, audit.

    ``scope`` narrows the statement to what the viewer may read (``scope_to_viewer``); a
    firm user's session narrows it again (portal.security.tenancy). The caller commits.
    """
    outcome = Outcome(args={k: v for k, v in request.args.items() if k != "page"})
    if "q" not in request.args:
        return outcome
    outcome.asked = True
    if not form.validate():
        return outcome
    try:
        query = parse_query(form.q.data)
    except QueryError as error:
        form.q.errors = [*form.q.errors, str(error)]
        return outcome
    filters = _filters(form, firm_id)
    described = ", ".join(
        f"{name}={value}" for name, value in outcome.args.items() if name != "q" and value
    )
    services.record_search(form.q.data, described, firm_id=audit_firm_id)
    stmt: Select = scope(queries.search_statement(query, filters))
    outcome.page = db.paginate(stmt, per_page=queries.PER_PAGE, error_out=False, count=False)
    # Counting every match of a word most texts hold cost a second at 500,000 questions;
    # nobody pages past the first thousand, so the count stops there.
    counted = db.session.scalar(
        select(func.count()).select_from(stmt.order_by(None).limit(COUNT_LIMIT + 1).subquery())
    )
    outcome.page.total = counted
    outcome.count_limit = COUNT_LIMIT
    outcome.beyond_count = counted > COUNT_LIMIT
    outcome.hits = queries.hits(list(outcome.page.items), query)
    return outcome
