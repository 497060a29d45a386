"""The WSGI entry point: `gunicorn wsgi:app`."""

import gc

from portal import create_app

app = create_app()

# What the app built at import (models, templates, routes: some 200,000 objects) lives as
# long as the worker. Frozen, the collector stops walking it: the oldest generation's
# collection otherwise paused a worker for 80-90 ms every few thousand pages, and every
# request queued behind it waited as long (issue 15, p99/p50).
gc.freeze()
