"""The directory: employers, declarants and their tokens, mandates, auditors (INTERFACE.md §6)."""
