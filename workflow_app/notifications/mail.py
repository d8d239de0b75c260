"""Notification e-mail over plain SMTP (the standard library's smtplib).

Mail leaves only after the database has committed (notifications/services.py: the outbox), and a failure
is logged, never raised: the transition it reports has already happened."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app

from workflow_app.core import faults


@dataclass
class Mail:
    to: str
    subject: str
    body: str
    key: str | None = None  # names the news it carries: the same Message-ID if it is ever sent again


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def _message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()  # UTF-8 headers and body: Chinese subjects are encoded (RFC 2047)
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    domain = sender.rpartition("@")[2].rstrip(">") or None
    message["Message-ID"] = f"<{mail.key}@{domain or 'localhost'}>" if mail.key else make_msgid(domain=domain)
    message.set_content(mail.body)
    return message


def send_all(mails: list[Mail]) -> list[bool]:
    """Send over one SMTP connection; returns, per mail, whether the server accepted it."""
    if not mails or not mail_configured():
        return [False] * len(mails)
    config = current_app.config
    sender = config.get("MAIL_FROM") or formataddr(("Union Honors", f"no-reply@{config['MAIL_SERVER']}"))
    results = [False] * len(mails)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25),
                          timeout=config.get("MAIL_TIMEOUT") or 10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            for index, mail in enumerate(mails):
                try:
                    faults.reached("notification.email")
                    smtp.send_message(_message(mail, sender))
                    results[index] = True
                except smtplib.SMTPException:
                    current_app.logger.exception("notification e-mail to %s refused", mail.to)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("notification e-mail: could not talk to %s", config["MAIL_SERVER"])
    return results
