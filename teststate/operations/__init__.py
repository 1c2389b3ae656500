"""The service's operations: `test_state` answers AWSStepFunctions.TestState."""

from __future__ import annotations
