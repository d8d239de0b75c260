"""Plain data the PDF layer prints: no database rows, no request; the web, the CLI and the benchmark
build these and call the same renderers."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CertificatePage:
    title: str  # 荣誉证书
    recipient: str  # a person (马金凤) or an organisation (沈丘县人民医院工会)
    wording: str  # the sentence with placeholders filled; the recipient inside it is underlined
    issuer: str  # 沈丘县总工会; issuers separated by a space print on separate lines
    issued_on: datetime.date
    number: str  # 沈工证〔2026〕YXGZ-0001
    verify_url: str  # absolute URL the QR code encodes
    check_code: str = ""  # printed beside the number, for a lookup by number without scanning


@dataclass(frozen=True)
class CertificateStyle:
    """Per honor type; None means the default (no seal, plain paper with the printed border, the packaged
    font). Fonts are "path" or "path#index" (TTC) in an allowed font folder."""

    seal_png: bytes | None = None
    background: bytes | None = None  # a full-page image (PNG/JPEG) that replaces the paper and border
    title_font: str | None = None
    body_font: str | None = None


@dataclass(frozen=True)
class ReviewBox:
    """One review level's box on the approval form; a level not reached yet is printed empty, with room
    to write and stamp by hand."""

    level_label: str  # 基层工会意见 / 乡镇（街道）总工会意见 / 县总工会意见
    opinion: str = ""
    reviewer: str = ""
    unit: str = ""
    day: datetime.date | None = None


@dataclass(frozen=True)
class ApprovalForm:
    """推荐审批表. ``nominee`` rows are (label, value), printed as given (an ID number already masked or
    in full)."""

    campaign: str
    honor: str
    nominee: Sequence[tuple[str, str]]
    deeds: str
    reviews: Sequence[ReviewBox] = field(default_factory=tuple)
    title: str = "推荐审批表"
    reference: str = ""  # the nomination's number, printed top right
    printed_on: datetime.date | None = None


@dataclass(frozen=True)
class RecommendationForm:
    """推优入党 推荐表: the union branch recommends a member to the receiving Party organisation."""

    receiving_org: str  # 接收党组织, e.g. 中共沈丘县人民医院支部委员会
    nominee: Sequence[tuple[str, str]]
    members_expected: int  # 应到
    members_present: int  # 实到
    votes_for: int  # 赞成
    recommendation: str
    recommending_union: str
    day: datetime.date | None = None
    title: str = "推荐优秀工会会员入党推荐表"
    campaign: str = ""
    reference: str = ""
