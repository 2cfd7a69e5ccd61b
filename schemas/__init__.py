"""Contracts between the services: events, topics, the declaration JSON and reference data."""
