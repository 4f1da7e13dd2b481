"""Email rendering: one Jinja2 file per template and language, three blocks each.

`workers/templates/mail/<template>.<lang>.j2` defines the blocks `subject`,
`text` and `html`; the HTML block is wrapped in the shared layout. Templates
see the outbox row's context plus `store` (name, support email).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATE_DIR = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(enabled_extensions=("j2",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def template_names() -> list[str]:
    return sorted({p.name.split(".")[0] for p in (TEMPLATE_DIR / "mail").glob("*.j2")})


def render(template: str, language: str, context: dict[str, Any]) -> RenderedMail:
    env = environment()
    try:
        tpl = env.get_template(f"mail/{template}.{language}.j2")
    except Exception:
        tpl = env.get_template(f"mail/{template}.ja.j2")
    ctx = tpl.new_context(context)
    subject = "".join(tpl.blocks["subject"](ctx)).strip()
    # Plain text is not HTML: render it without escaping.
    text_ctx = tpl.new_context(context)
    text_ctx.eval_ctx.autoescape = False
    text = "".join(tpl.blocks["text"](text_ctx)).strip() + "\n"
    body = "".join(tpl.blocks["html"](tpl.new_context(context)))
    html = env.get_template("layout.html.j2").render(
        subject=subject, body=body, store=context.get("store", {}), language=language
    )
    return RenderedMail(subject=subject, text=text, html=html)


def build_message(
    rendered: RenderedMail, *, sender: str, to: str, message_id: str, domain: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = rendered.subject
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    # The outbox row id in the Message-ID lets any receiver drop a duplicate delivery.
    msg["Message-ID"] = f"<{message_id}@{domain}>" if message_id else make_msgid(domain=domain)
    msg["X-Torihiki-Outbox-Id"] = message_id
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    return msg
