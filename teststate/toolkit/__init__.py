"""The testing toolkit: what the test suites of people who use this project import.

- `client`: boto3 Step Functions clients answered in process (`inprocess_client`: botocore builds,
  signs and parses every call, the WSGI app answers it without a socket) or for an endpoint
  (`endpoint_client`).
- `pytest_plugin`: the pytest plugin (entry point ``teststate``): the ``sfn``, ``teststate_app``,
  ``teststate_server`` fixtures and the ``--teststate-*`` options.
- `cloudformation`: the state machine definitions CloudFormation, SAM and CDK templates generate,
  so a suite tests the definition it deploys rather than a copy of it.
- `strategies`: hypothesis strategies for property-based suites over a user's own definitions.
- `coverage` (the recorder and summary; `coverage_calls`, `coverage_history`, `coverage_json`,
  `coverage_model`), `coverage_report`: which states, Choice rules, Retry and Catch entries and
  transitions a suite reached, as a summary and a Graphviz HTML report.

The toolkit needs the ``toolkit`` extra (pytest, boto3, hypothesis, PyYAML).
"""
