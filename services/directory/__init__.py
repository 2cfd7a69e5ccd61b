"""The directory: employers, declarants and their tokens, mandates, auditors
(docs/interface.md §6)."""
