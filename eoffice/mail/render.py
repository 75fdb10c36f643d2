"""Turns a notice (kind + context) into the subject, text and HTML of one message."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from eoffice.mail.catalog import LABELS, LANGUAGES, NOTICES

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


class _Blank(dict):
    """Missing context keys render empty instead of breaking a notice."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class RenderedNotice:
    subject: str
    text: str
    html: str


def render_notice(
    kind: str,
    language: str,
    context: dict[str, Any],
    *,
    urgent: bool = False,
    link: str | None = None,
    facts: list[tuple[str, str]] | None = None,
    items: list[dict[str, str]] | None = None,
) -> RenderedNotice:
    if kind not in NOTICES:
        raise ValueError(f"unknown notice kind {kind!r}")
    language = language if language in LANGUAGES else "vi"
    texts = NOTICES[kind][language]
    values = _Blank({key: str(value) for key, value in context.items()})
    subject = " ".join(texts["subject"].format_map(values).split())
    if urgent:
        subject = f"[{LABELS[language]['urgent']}] {subject}"
    page = {
        "language": language,
        "subject": subject,
        "intro": texts["intro"].format_map(values),
        "facts": facts or [],
        "items": items or [],
        "link": link,
        "urgent": urgent,
        "labels": LABELS[language],
    }
    return RenderedNotice(
        subject=subject[:400],
        text=_env.get_template("notice.txt").render(page),
        html=_env.get_template("notice.html").render(page),
    )
