"""The benchmark suite behind ``make bench`` (``python -m bench``): numbers, not tests.

- `bench.scenarios`: the fixed TestState requests measured, each in an INFO and a DEBUG form.
- `bench.inprocess`: the core (`interpreter.run_state`) and the operation
  (`teststate.operations.test_state.test_state`) timed in this process with the definition already loaded,
  and the cold load (parse, validate, compile) of a 20-state definition with every cache cleared.
- `bench.loadgen`: a raw-socket HTTP/1.1 load generator spread over client processes.
- `bench.floor`: a trivial WSGI app served by the same gunicorn configuration as the real server,
  the floor every HTTP figure is divided by.
- `bench.__main__`: starts both servers, runs everything, prints a table and ``--json``.

Kept out of ``make test`` on purpose: timings belong in a benchmark, not in assertions.
"""
