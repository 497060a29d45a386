"""What a search changes: the audit log's record of it (issue 13: every search is audited)."""

from __future__ import annotations

from portal.audit import services as audit


def record_search(text: str, filters: str, *, firm_id: int | None) -> None:
    """One audit event per search, naming what was asked (the words and the filters).

    The firm is the searcher's own for a firm user, so the firm's log shows its searches.
    """
    detail = f"q={text}" + (f"; {filters}" if filters else "")
    audit.record("search.run", detail=detail, firm_id=firm_id)
