"""Rendering a queued message: ``templates/<name>.<lang>.txt`` is a ``Subject:`` line, a
blank line, then the body; Jinja2 (plain text, no autoescape) with the message's context.
A value the template names but the context lacks is an error (``StrictUndefined``), never
an empty gap in a message a customer reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from catalog.single_line import one_line

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SUBJECT = "Subject:"

_env = Environment(
    loader=FileSystemLoader(str(TEMPLATES_DIR)),
    autoescape=False,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


class TemplateError(ValueError):
    """The template is missing, malformed or names a value the context lacks."""


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str


def template_path(template: str, lang: str) -> Path:
    return TEMPLATES_DIR / f"{template}.{lang}.txt"


def render_email(template: str, lang: str, context: Mapping[str, Any]) -> Rendered:
    """The subject and body of ``template`` in ``lang`` filled in from ``context``."""
    name = f"{template}.{lang}.txt"
    if "/" in template or "\\" in template or not template_path(template, lang).is_file():
        raise TemplateError(f"no e-mail template {name}")
    source = template_path(template, lang).read_text(encoding="utf-8")
    head_source, sep, body_source = source.partition("\n\n")
    if not sep or not head_source.startswith(SUBJECT) or "\n" in head_source:
        raise TemplateError(f"{name}: the first line must be 'Subject: ...', then a blank line")
    # the subject line is filled in with one-line values: a name with a line break in it
    # (stored before such names were refused) can never add a header to the message
    single = {k: one_line(v) if isinstance(v, str) else v for k, v in context.items()}
    try:
        head = _env.from_string(head_source).render(single)
        body = _env.from_string(body_source).render(dict(context))
    except Exception as exc:  # jinja2's UndefinedError, TemplateSyntaxError, ...
        raise TemplateError(f"{name}: {exc}") from exc
    subject = one_line(head[len(SUBJECT) :]).strip()
    if not subject:
        raise TemplateError(f"{name}: the subject is empty")
    return Rendered(subject=subject, body=body.rstrip() + "\n")
