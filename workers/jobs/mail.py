"""The send_mail job: one outbox row, claimed, rendered, sent, marked."""

from __future__ import annotations

import logging
from typing import Any

from arq import Retry

from api.logs import request_id_var
from api.notifications import outbox
from api.runtime import Runtime
from workers import smtp
from workers.rendering import build_message, render

log = logging.getLogger(__name__)


def store_context(rt: Runtime, language: str) -> dict[str, str]:
    policy = rt.policy
    return {
        "name": policy.name if language == "ja" else policy.name_en,
        "support_email": policy.support_email,
    }


async def send_mail(ctx: dict[str, Any], message_id: str) -> str:
    rt: Runtime = ctx["rt"]
    message = await outbox.claim(message_id)
    if message is None:
        return "skipped"  # already sent, failed for good, or being sent by another worker
    token = request_id_var.set(message.request_id)
    try:
        if message.attempts > 1 and await outbox.was_delivered(rt, message.id):
            # An earlier attempt was accepted by the SMTP server but could not mark
            # the row (database blip, worker killed): mark it now, do not send again.
            await outbox.mark_sent_retrying(rt, message)
            log.info("mail was already delivered; marked sent", extra={"outbox_id": message_id})
            return "sent"
        try:
            rendered = render(
                message.template,
                message.language,
                {**message.context, "store": store_context(rt, message.language)},
            )
            email = build_message(
                rendered,
                sender=rt.settings.mail_from,
                to=message.to_address,
                message_id=str(message.id),
                domain="torihiki",
            )
            # The worker's Mailer reuses SMTP sessions; without one, one connection per mail.
            mailer: smtp.Mailer | None = ctx.get("mailer")
            if mailer is not None:
                await mailer.send(rt.settings, email)
            else:
                await smtp.send(rt.settings, email)
        except smtp.PermanentMailError as e:
            await outbox.mark_attempt_failed(rt, message, str(e), permanent=True)
            return "failed"
        except Exception as e:  # network, 4xx, template bug: retry with backoff
            error = f"{type(e).__name__}: {e}"
            delay = await outbox.mark_attempt_failed(rt, message, error, permanent=False)
            if delay is None:
                return "failed"
            log.warning(
                "mail attempt failed; retrying",
                extra={"outbox_id": message_id, "attempt": message.attempts, "delay": delay},
            )
            raise Retry(defer=delay) from e
        await outbox.remember_delivered(rt, message.id)
        await outbox.mark_sent_retrying(rt, message)
        log.info("mail sent", extra={"outbox_id": message_id, "template": message.template})
        return "sent"
    finally:
        request_id_var.reset(token)
