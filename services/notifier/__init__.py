"""The notifier: e-Box confirmations (and, later, batch return files)."""
