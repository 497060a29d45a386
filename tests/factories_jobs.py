"""Background jobs for the route sweeps and the import tests."""

from __future__ import annotations

import json
from typing import Any

from portal.imports.background import JOB_KIND
from portal.imports.models import ImportKind
from portal.jobs.models import BackgroundJob
from tests.factories import _save


def import_job(kind: ImportKind = ImportKind.INSPECTIONS, **values: Any) -> BackgroundJob:
    values.setdefault("label", "inspections.csv")
    values.setdefault("rows_total", 12000)
    values.setdefault("rows_done", 4000)
    values.setdefault("payload", b"")
    return _save(
        BackgroundJob(
            kind=JOB_KIND,
            params=json.dumps({"import_kind": kind.value, "step_rows": 2000}),
            **values,
        )
    )
