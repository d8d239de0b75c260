"""The nomination workflow's effects about certificates, bound by name to ``states.nomination``: certifying
numbers the certificate and stores its PDF; revoking marks it revoked (it then verifies as revoked)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from states.nomination import WORKFLOW, Context, TransitionRefused
from workflow_app.certificates import services as certificates
from workflow_app.certificates import storage as certificate_files
from workflow_app.certificates.pdf import MissingGlyphs
from workflow_app.core.timeutil import utcnow


@WORKFLOW.effect
def issue_certificate(ctx: Context) -> None:
    """Number the certificate and store its PDF, both undone if the transition does not commit."""
    certificate = certificates.create_certificate(ctx.nomination, ctx.actor, ctx.today)
    try:
        certificate_files.store_issued(certificate)
    except MissingGlyphs as missing:  # a certificate that cannot be printed is not issued
        raise TransitionRefused(_l("The font lacks these characters, so the certificate was not issued: "
                                   "%(characters)s. Configure a font that has them (CERTIFICATE_BODY_FONT / "
                                   "CERTIFICATE_TITLE_FONT), or correct the name.",
                                   characters="、".join(f"「{c}」U+{ord(c):04X}" for c in missing.characters)),
                                guard="issue_certificate") from None


@WORKFLOW.effect
def revoke_certificate(ctx: Context) -> None:
    certificates.revoke_certificate(ctx.nomination, (ctx.comment or "").strip(), utcnow())
