"""Proposing which sites are the shortage list's companies, and FDA's decision (SPEC 1).

A proposal pairs a site with a shortage-list company whose names match
(portal.sites.names), with its strength (same legal entity, or same group) and
reason. One proposal exists per (site, company key)
whatever its status, so a rejected pair is never proposed again, however often
the lists are re-imported. Confirming marks the site's products from that
company's entries shortage-vulnerable (source "shortage list"); entries that a
later shortage import adds for a confirmed company are applied the same way.
Rejecting changes nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.audit import services as audit
from portal.extensions import db
from portal.imports.models import MatchStatus, ShortageEntry, ShortageMatch
from portal.imports.outcome import chunks
from portal.sites.models import VULNERABILITY_FROM_SHORTAGE_LIST, Product, Site
from portal.sites.names import compare_names, match_keys, reduce_name
from portal.timeutil import format_date, utcnow

PRODUCT_NAME_MAX = 300


class MatchError(ValueError):
    """A decision refused, with the message for the person."""


def propose_matches() -> int:
    """Add a proposal for every site and company whose names match, not yet paired.

    Three queries whatever the data size (shortage-list companies, sites, existing
    pairs); the names are compared in Python because one name meets another under
    several keys (its own, its group's, a division's or trade name's), each
    with its strength and reason (portal.sites.names.compare_names). Returns how
    many proposals were added.

    The sites are streamed, and only those sharing a key with a listed company are kept
    (issue 15: the import worker's memory stays within bounds whatever the number of
    sites).
    """
    companies = db.session.execute(
        select(ShortageEntry.company_key, func.min(ShortageEntry.company_name)).group_by(
            ShortageEntry.company_key
        )
    ).all()
    if not companies:
        return 0
    wanted = {key for _key, name in companies for key in match_keys(reduce_name(name))}
    sites = db.session.execute(
        select(Site.id, Site.legal_name)
        .where(Site.archived_at.is_(None), Site.legal_name != "")
        .execution_options(yield_per=2_000)
    )
    by_key: dict[str, list[tuple[int, str]]] = defaultdict(list)
    # Each site's name is reduced once here: through reduce_name's cache, ~180,000 one-off
    # names would fill it to its bound and hold it there.
    reduce_once = reduce_name.__wrapped__
    for site_id, legal_name in sites:
        for key in match_keys(reduce_once(legal_name)):
            if key in wanted:
                by_key[key].append((site_id, legal_name))
    if not by_key:
        return 0
    paired = {
        (site_id, key)
        for site_id, key in db.session.execute(
            select(ShortageMatch.site_id, ShortageMatch.company_key)
        )
    }
    added = 0
    for company_key, company_name in companies:
        candidates: dict[int, str] = {}
        for key in match_keys(reduce_name(company_name)):
            candidates.update(by_key.get(key, ()))
        for site_id, legal_name in candidates.items():
            if (site_id, company_key) in paired:
                continue
            found = compare_names(company_name, legal_name)
            if found is None:
                continue
            db.session.add(
                ShortageMatch(
                    site_id=site_id,
                    company_name=company_name,
                    company_key=company_key,
                    evidence=found.reason,
                    strength=found.strength.value,
                    status=MatchStatus.PROPOSED,
                )
            )
            paired.add((site_id, company_key))
            added += 1
    db.session.flush()
    return added


def product_key(name: str) -> str:
    """One drug, however two snapshots space or capitalize its name: one product."""
    return " ".join(name.split()).casefold()


@dataclass
class Applied:
    """What confirming (or a later import) did to a site's products."""

    created: int = 0
    flagged: int = 0
    already: int = 0
    archived: int = 0

    @property
    def summary(self) -> str:
        parts = [
            f"{self.created} product{'s' if self.created != 1 else ''} added",
            f"{self.flagged} existing product{'s' if self.flagged != 1 else ''} flagged",
        ]
        if self.already:
            parts.append(f"{self.already} already flagged")
        if self.archived:
            parts.append(f"{self.archived} archived and left as they are")
        return ", ".join(parts)


def _note(entry: ShortageEntry) -> str:
    updated = f", updated {format_date(entry.date_of_update)}" if entry.date_of_update else ""
    status = entry.status or "listed"
    return f'On FDA\'s drug shortage list under "{entry.company_name}" ({status}{updated}).'


def _apply(pairs: list[tuple[int, ShortageEntry]]) -> dict[int, Applied]:
    """Create or flag each site's products named by the entries (fixed queries per 500 sites)."""
    results: dict[int, Applied] = defaultdict(Applied)
    site_ids = sorted({site_id for site_id, _ in pairs})
    products: dict[tuple[int, str], Product] = {}
    for batch in chunks(site_ids):
        for product in db.session.scalars(select(Product).where(Product.site_id.in_(batch))):
            products[(product.site_id, product_key(product.name))] = product
    seen: set[tuple[int, str]] = set()
    for site_id, entry in pairs:
        name = entry.generic_name[:PRODUCT_NAME_MAX]
        key = (site_id, product_key(name))
        if key in seen:
            continue  # another presentation of a product already handled
        seen.add(key)
        product = products.get(key)
        applied = results[site_id]
        if product is None:
            product = Product(
                site_id=site_id,
                name=name,
                shortage_vulnerable=True,
                vulnerability_source=VULNERABILITY_FROM_SHORTAGE_LIST,
                vulnerability_note=_note(entry),
            )
            db.session.add(product)
            products[key] = product
            applied.created += 1
        elif product.archived_at is not None:
            applied.archived += 1
        elif product.shortage_vulnerable:
            applied.already += 1
        else:
            product.shortage_vulnerable = True
            product.vulnerability_source = VULNERABILITY_FROM_SHORTAGE_LIST
            product.vulnerability_note = _note(entry)
            applied.flagged += 1
    db.session.flush()
    return results


def entries_by_company(keys: set[str]) -> dict[str, list[ShortageEntry]]:
    """The shortage entries of each company key, by generic name: one query per 500 keys."""
    found: dict[str, list[ShortageEntry]] = defaultdict(list)
    for batch in chunks(sorted(keys)):
        stmt = (
            select(ShortageEntry)
            .where(ShortageEntry.company_key.in_(batch))
            .order_by(ShortageEntry.generic_name, ShortageEntry.id)
        )
        for entry in db.session.scalars(stmt):
            found[entry.company_key].append(entry)
    return found


def _decide(match: ShortageMatch, status: MatchStatus, by) -> None:
    if match.status != MatchStatus.PROPOSED:
        raise MatchError(
            f"This match was already {match.status.value} "
            f"on {format_date(match.decided_at)}; nothing was changed."
        )
    match.status = status
    match.decided_by_id = by.id
    match.decided_at = utcnow()


def confirm_match(match: ShortageMatch, *, by) -> Applied:
    """FDA agrees the company is this site: its shortage-list products become the site's."""
    _decide(match, MatchStatus.CONFIRMED, by)
    entries = entries_by_company({match.company_key})[match.company_key]
    applied = _apply([(match.site_id, entry) for entry in entries]).get(match.site_id, Applied())
    audit.record(
        "shortage_match.confirm",
        match,
        firm_id=match.site.firm_id,
        detail=f"{match.company_name} is FEI {match.site.fei_number}: {applied.summary}",
    )
    return applied


def reject_match(match: ShortageMatch, *, by) -> None:
    """FDA says the names only look alike; the pair will not be proposed again."""
    _decide(match, MatchStatus.REJECTED, by)
    audit.record(
        "shortage_match.reject",
        match,
        firm_id=match.site.firm_id,
        detail=f"{match.company_name} is not FEI {match.site.fei_number}",
    )


def apply_confirmed_matches() -> int:
    """After a shortage import: new entries of confirmed companies reach their sites.

    Returns the number of products added or flagged.
    """
    confirmed = db.session.execute(
        select(ShortageMatch.site_id, ShortageMatch.company_key).where(
            ShortageMatch.status == MatchStatus.CONFIRMED
        )
    ).all()
    if not confirmed:
        return 0
    entries = entries_by_company({key for _site, key in confirmed})
    pairs = [(site_id, entry) for site_id, key in confirmed for entry in entries.get(key, [])]
    results = _apply(pairs)
    return sum(a.created + a.flagged for a in results.values())


def confirm_matches(matches: list[ShortageMatch], *, by) -> Applied:
    """Confirm several proposals at once (identical ones, ticked together); all or none."""
    if not matches:
        raise MatchError("Tick at least one proposed match to confirm.")
    total = Applied()
    for match in matches:
        applied = confirm_match(match, by=by)
        total.created += applied.created
        total.flagged += applied.flagged
        total.already += applied.already
        total.archived += applied.archived
    return total


def company_names(keys: set[str]) -> dict[str, list[tuple[str, int]]]:
    """Per company key, each company name the list writes with its number of products:
    what confirming a proposal will apply (one query per 500 keys)."""
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for batch in chunks(sorted(keys)):
        stmt = (
            select(
                ShortageEntry.company_key,
                ShortageEntry.company_name,
                func.count(func.distinct(ShortageEntry.generic_name)),
            )
            .where(ShortageEntry.company_key.in_(batch))
            .group_by(ShortageEntry.company_key, ShortageEntry.company_name)
            .order_by(ShortageEntry.company_name)
        )
        for key, name, products in db.session.execute(stmt):
            found[key].append((name, products))
    return found
