"""The version every change to the records behind the dashboard bumps.

The listeners that bump it are in ``freshness``, installed by ``portal.import_models``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class MetricsVersion(db.Model):
    """One row (id 1). Cached dashboard figures are keyed by (generation, counter)."""

    __tablename__ = "metrics_version"

    #: Always 1: there is one version for the whole program.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: Random, set when the row is created: a recreated row never reuses an old key.
    generation: Mapped[str] = mapped_column(String(32), nullable=False)
    #: Raised by one in the same transaction as every change that can move a figure.
    counter: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
