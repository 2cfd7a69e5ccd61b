"""The HTTP routes, one module-level router per resource (mounted by services.api.app)."""
