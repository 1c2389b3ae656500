"""The soak test (`make soak`): `soak.soak` runs it, `soak.executions` is its executions mix."""
