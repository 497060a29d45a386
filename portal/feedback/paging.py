"""Pagination of multi-column selects (``db.paginate`` keeps only the first column)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select

from portal.extensions import db
from portal.paging import Page


class RowPagination(Page):
    """Like ``db.paginate``, but each item is a whole result row."""

    def _query_items(self) -> list[Any]:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def paginate_rows(stmt: Select, per_page: int) -> RowPagination:
    """The page named by ``?page=`` of ``stmt``'s rows (two queries: the rows and the count)."""
    return RowPagination(select=stmt, session=db.session, per_page=per_page)
