"""The version every change to what a firm's home page shows bumps (issue 15).

The listeners that bump it are in ``portal.firm.freshness``, installed by
``portal.import_models``; the cache keyed by it is ``portal.firm.home_cache``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db

#: The row of changes that may show on every firm's page (a site, a program setting).
PROGRAM_ROW = 0


class FirmVersion(db.Model):
    """One row per firm whose records have changed, plus ``PROGRAM_ROW``.

    Not a foreign key to ``firm``: the program row has no firm, and a firm's row
    is written by the same statement as the program's, in the writing transaction.
    """

    __tablename__ = "firm_version"

    firm_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: Random, set when the row is created: a recreated row (an emptied table, a new
    #: database under a running server) never gives an old cache key back.
    generation: Mapped[str] = mapped_column(String(32), nullable=False)
    #: Raised by one in the same transaction as every change the firm's pages may show.
    counter: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
