"""What every service shares: settings base, database and Kafka plumbing, fault injection."""
