"""The PDF layer: certificates and the printable forms, from plain data (no database, no request).

The web routes, the command line and the benchmark all call these functions."""

from reportlab import rl_config

from .certificate import check_fonts, render_certificates
from .chinese import chinese_date
from .fonts import FontError, MissingGlyphs
from .model import ApprovalForm, CertificatePage, CertificateStyle, FormLabels, RecommendationForm, ReviewBox
from .paper_forms import form_date, render_approval_form, render_recommendation_form, written_date
from .seal import demo_seal_png

# Process-wide reportlab switches (this layer is its only user): no per-shape argument checking, and
# binary streams stored as compressed bytes rather than ASCII85 text (21 % larger files otherwise).
rl_config.shapeChecking = 0
rl_config.useA85 = 0

__all__ = [
    "ApprovalForm",
    "CertificatePage",
    "CertificateStyle",
    "FontError",
    "FormLabels",
    "MissingGlyphs",
    "RecommendationForm",
    "ReviewBox",
    "check_fonts",
    "chinese_date",
    "demo_seal_png",
    "form_date",
    "render_approval_form",
    "render_certificates",
    "render_recommendation_form",
    "written_date",
]
