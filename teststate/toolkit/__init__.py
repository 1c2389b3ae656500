"""The testing toolkit: helpers for the test suites of people who use this project.

`cloudformation` loads the state machine definitions that CloudFormation, SAM and CDK templates
generate, so a suite tests the definition it deploys rather than a copy of it.
"""
