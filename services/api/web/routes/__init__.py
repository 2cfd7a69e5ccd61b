"""One router per part of the web pages (one module each, with its `router`)."""

from __future__ import annotations

import pkgutil
from importlib import import_module

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """The router of every module of this package, in name order."""
    return [import_module(f"{__name__}.{m.name}").router
            for m in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name)]
