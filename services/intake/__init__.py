"""Intake: the REST API and batch files; records every declaration, then publishes it."""
