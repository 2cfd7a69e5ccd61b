"""The `dimona` command: the embedded stack and the operator's CLI."""
