"""Executions as a service: the background runner that drives the engine and stores what it yields
(`runner`), and the mock configuration file executions started with ``#TestCase`` read
(`mock_file`)."""

from __future__ import annotations
