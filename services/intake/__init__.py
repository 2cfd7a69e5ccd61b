"""Intake: the write side of the declarant channels (REST, batch files, the watched inbox):
records every declaration, then publishes it. Its HTTP edge is services.api."""
