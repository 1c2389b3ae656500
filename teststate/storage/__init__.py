"""What outlives a request: state machines, versions, tags and executions, in SQLite.

`db.Database` is the connection (WAL, one per thread); each module here owns its tables.
"""

from __future__ import annotations
