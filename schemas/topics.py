"""Kafka topic names: the only place they are spelled."""

SUBMISSIONS = "dimona.submissions"
DECISIONS = "dimona.decisions"
NOTIFICATIONS = "dimona.notifications"
DEAD_LETTER = "dimona.deadletter"

ALL = (SUBMISSIONS, DECISIONS, NOTIFICATIONS, DEAD_LETTER)
