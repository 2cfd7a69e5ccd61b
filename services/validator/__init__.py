"""The validator: decides every declaration and records it in the event store."""
