"""Dates, times and numbers as the reader's language writes them: 2026年11月24日 14:32 in Chinese,
Nov 24, 2026 14:32 in English, China time in both; on real pages and in the workflow's refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from tests import factories
from tests.factories import bring_to
from workflow_app.campaigns.models import Campaign
from workflow_app.certificates.models import Certificate
from workflow_app.core.timeutil import china_today, to_china
from workflow_app.extensions import db
from workflow_app.nominations.models import AuditEntry, Nomination
from workflow_app.notifications.models import Notification

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def chinese_day(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def english_day(day: date) -> str:
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def moments(moment: datetime) -> tuple[str, str]:
    """(Chinese, English) for a stored UTC moment, written out by hand in China time."""
    local = to_china(moment)
    return f"{chinese_day(local.date())} {local:%H:%M}", f"{english_day(local.date())} {local:%H:%M}"


def speak(client, locale: str) -> None:
    assert client.post("/language", data={"locale": locale, "next": "/todo/"}).status_code == 302


def test_timeline_and_lists_show_china_time_in_the_readers_format(client, world, login_as):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "county_review")
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.nomination_id == nomination.id)
                               .order_by(AuditEntry.id)).first()
    chinese, english = moments(entry.created_at)
    updated_zh, updated_en = moments(nomination.updated_at)
    login_as("county")

    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert chinese in page and english not in page
    assert updated_zh in client.get("/todo/").get_data(as_text=True)

    speak(client, "en")
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert english in page and chinese not in page
    assert updated_en in client.get("/todo/").get_data(as_text=True)
    assert updated_en in client.get("/nominations/").get_data(as_text=True)


def test_a_late_utc_evening_is_the_next_morning_in_china(client, world, login_as):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "branch_review")
    # 18:32 UTC is 02:32 the next morning in China.
    db.session.execute(update(Nomination).where(Nomination.id == nomination.id)
                       .values(updated_at=datetime(2026, 11, 23, 18, 32, tzinfo=UTC)))
    db.session.commit()
    login_as("branch1")
    assert "2026年11月24日 02:32" in client.get("/todo/").get_data(as_text=True)
    speak(client, "en")
    assert "Nov 24, 2026 02:32" in client.get("/todo/").get_data(as_text=True)


def test_notice_period_certificate_and_notification_dates(client, world, login_as):
    nomination = bring_to(factories.nomination(world.campaign, "outstanding_union_worker", world.branch1,
                                               world.chair1), "certified")
    certificate = db.session.scalar(select(Certificate).where(Certificate.nomination_id == nomination.id))
    login_as("admin")
    starts, ends = nomination.notice_starts_on, nomination.notice_ends_on
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert f"{chinese_day(starts)} — {chinese_day(ends)}" in page
    assert chinese_day(certificate.issued_on) in client.get(
        f"/certificates/?campaign={world.campaign.id}").get_data(as_text=True)
    assert starts.isoformat() not in page

    speak(client, "en")
    page = client.get(f"/nominations/{nomination.id}").get_data(as_text=True)
    assert f"{english_day(starts)} — {english_day(ends)}" in page
    assert english_day(certificate.issued_on) in client.get(
        f"/certificates/?campaign={world.campaign.id}").get_data(as_text=True)
    assert english_day(certificate.issued_on) in client.get(f"/verify/{certificate.token}").get_data(as_text=True)
    assert english_day(world.campaign.opens_on) in client.get("/admin/campaigns").get_data(as_text=True)



def test_notifications_show_when_they_came_in_the_readers_format(client, world, login_as):
    db.session.add(Notification(user_id=world.chair1.id, kind="reminder", params={"count": 2},
                                created_at=datetime(2026, 3, 1, 1, 5, tzinfo=UTC)))
    db.session.commit()
    login_as("chair1")
    assert "2026年3月1日 09:05" in client.get("/notifications").get_data(as_text=True)
    speak(client, "en")
    assert "Mar 1, 2026 09:05" in client.get("/notifications").get_data(as_text=True)


def test_a_refusal_names_the_day_in_the_readers_format(client, world, login_as):
    opens = china_today() + timedelta(days=30)
    db.session.execute(update(Campaign).where(Campaign.id == world.campaign.id).values(opens_on=opens))
    db.session.commit()
    draft = factories.nomination(world.campaign, "outstanding_union_worker", world.branch1, world.chair1)
    db.session.commit()
    login_as("chair1")

    def refusal() -> str:
        return client.post(f"/nominations/{draft.id}/transition", data={"event": "submit", "version": draft.version},
                           follow_redirects=True).get_data(as_text=True)

    assert f"{chinese_day(opens)}" in refusal()
    speak(client, "en")
    body = refusal()
    assert f"open on {english_day(opens)}." in body and opens.isoformat() not in body


def test_counts_and_rates_use_the_locales_grouping(client, world, login_as):
    organisation = factories.nomination(world.campaign, "model_worker_small_home", world.branch1, world.chair1,
                                        staff_count=12000, member_count=11460)
    db.session.commit()
    login_as("chair1")
    for locale in ("zh_Hans_CN", "en"):
        speak(client, locale)
        page = client.get(f"/nominations/{organisation.id}").get_data(as_text=True)
        assert "12,000" in page and "11,460" in page and "95.5%" in page
