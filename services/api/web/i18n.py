"""The web pages' labels in the four languages (docs/interface.md §11): `messages/*.json`,
one file per part of the site, each `{key: {"nl": ..., "fr": ..., "de": ..., "en": ...}}`.
A key missing in a language falls back to Dutch, then to the key itself (a test checks
that none is missing)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from schemas.catalogue import catalogue as anomalies

LANGUAGES = ("nl", "fr", "de", "en")
NAMES = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}
MESSAGES = Path(__file__).parent / "messages"
BRUSSELS = ZoneInfo("Europe/Brussels")


@cache
def catalogue() -> dict[str, dict[str, str]]:
    """Every label, by key, read once from messages/*.json (a key defined twice is an
    error: each file owns its keys)."""
    labels: dict[str, dict[str, str]] = {}
    for path in sorted(MESSAGES.glob("*.json")):
        for key, texts in json.loads(path.read_text(encoding="utf-8")).items():
            if key in labels:
                raise ValueError(f"{path.name}: label {key!r} is defined twice")
            labels[key] = texts
    return labels


def translator(language: str) -> Callable[..., str]:
    """`_(key, **values)`: the label in `language`, its `{name}` fields filled in."""
    labels = catalogue()

    def translate(key: str, **values: object) -> str:
        texts = labels.get(key)
        text = (texts.get(language) or texts.get("nl") or key) if texts else key
        return text.format(**values) if values else text
    return translate


def chosen(requested: str | None, accept_language: str | None) -> str:
    """The page's language: the one asked for, else the browser's first of ours, else nl."""
    if requested in LANGUAGES:
        return requested
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "nl"


def anomaly_label(code: str, language: str) -> str:
    """An anomaly code's label in `language` (German: the English one; the catalogue holds
    Dutch, French and English); the code itself when the catalogue lacks it."""
    found = anomalies().get(code)
    if found is None:
        return code
    return {"nl": found.nl, "fr": found.fr}.get(language, found.en)


def day(value: date | str | None) -> str:
    """dd/mm/yyyy, as the seeds show dates; '-' for none."""
    if value in (None, ""):
        return "-"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y")


def moment(value: datetime | str | None) -> str:
    """dd/mm/yyyy hh:mm in Brussels."""
    if value in (None, ""):
        return "-"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")


def hour(value: str | None) -> str:
    """`0800` -> `08:00`."""
    return f"{value[:2]}:{value[2:]}" if value and len(value) == 4 else (value or "")
