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
    """One review level's box on the approval form; a level not reached yet (or sent back to review again)
    is printed without an opinion, with room to write and stamp by hand."""

    level_label: str  # 基层工会意见 / 乡镇（街道）总工会意见 / 县总工会意见
    opinion: str = ""
    reviewer: str = ""
    unit: str = ""
    day: datetime.date | None = None
    # Returns to this level and recalls of its approval, oldest first, printed above the opinion that stands.
    history: Sequence[str] = ()


@dataclass(frozen=True)
class FormLabels:
    """The printed words of the approval and recommendation forms, in the reader's language. The defaults
    are the Chinese of the paper forms (the command line and the benchmark print those); the web passes
    its catalog's words for the user's locale. ``vote`` and ``vote_with_share`` are %-format strings."""

    locale: str = "zh_Hans_CN"  # how dates are written
    honor: str = "推荐荣誉"
    deeds: str = "主要事迹"
    unit_seal: str = "单位（盖章）："
    reviewer: str = "审核人："
    reference: str = "编号："
    campaign: str = "评选活动："
    printed_on: str = "打印日期："
    receiving_org: str = "接收党组织"
    vote_heading: str = "民主推荐情况"
    vote: str = "应到会员 %(expected)d 人，实到 %(present)d 人，赞成 %(votes_for)d 人。"
    vote_with_share: str = ("应到会员 %(expected)d 人，实到 %(present)d 人，赞成 %(votes_for)d 人"
                            "（占实到人数的 %(share)s%%）。")
    recommendation: str = "推荐意见"
    recommending_union: str = "推荐单位（盖章）："
    party_opinion: str = "接收党组织意见"
    party_seal: str = "接收党组织（盖章）："
    blank_date: str = "　　　　年　　月　　日"  # to be written by hand

    def texts(self) -> list[str]:
        """Every printed word, for the check against the font."""
        return [value for name, value in vars(self).items() if name != "locale"]


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
    labels: FormLabels = field(default_factory=FormLabels)


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
    labels: FormLabels = field(default_factory=FormLabels)
