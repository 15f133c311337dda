"""One notification service for every app: in-app at once, e-mail by a task, each event once per person."""

import pytest
from django.core import mail

from portal.notifications.models import Notification
from portal.notifications.services import notify
from portal.notifications.tasks import send_notification_email
from projects.models import Project

pytestmark = pytest.mark.django_db


def test_an_event_notifies_each_recipient_once(staff, leader):
    first = notify(recipients=[staff, leader, staff], event_key="case:1:overdue", title="审批超时")
    again = notify(recipients=[staff, leader], event_key="case:1:overdue", title="审批超时")
    assert len(first) == 2 and again == []
    assert Notification.objects.filter(event_key="case:1:overdue").count() == 2


def test_email_is_sent_once_however_often_the_task_runs(django_capture_on_commit_callbacks, staff):
    with django_capture_on_commit_callbacks(execute=True):
        (n,) = notify(recipients=[staff], event_key="issue:7:assigned", title="新问题已分派", body="请在5个工作日内办结",
                      url="/projects/")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [staff.email]
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<notification-{n.pk}@keyprojects.example.gov.cn>"
    assert "新问题已分派" in mail.outbox[0].subject and "请在5个工作日内办结" in mail.outbox[0].body
    assert send_notification_email.apply(args=[n.pk]).get() is False  # a retry sends nothing
    assert len(mail.outbox) == 1
    n.refresh_from_db()
    assert n.emailed_at is not None


def test_users_who_opted_out_get_no_email(django_capture_on_commit_callbacks, staff):
    staff.email_notifications = False
    staff.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[staff], event_key="x:1", title="提示")
    assert mail.outbox == []
    assert staff.notifications.filter(event_key="x:1").exists()


def test_header_shows_the_unread_count_and_opening_marks_read(client_for, staff):
    project = Project.objects.first()
    notify(recipients=[staff], event_key="t:1", title="第一条", url=project.get_absolute_url(), target=project)
    notify(recipients=[staff], event_key="t:2", title="第二条")
    client = client_for(staff)
    unread = staff.notifications.unread().count()
    assert f'data-testid="unread-count">{unread}<' in client.get("/").content.decode()

    n = staff.notifications.get(event_key="t:1")
    response = client.post(f"/notifications/{n.pk}/open/")
    assert response.status_code == 302 and response["Location"] == project.get_absolute_url()
    n.refresh_from_db()
    assert n.read_at is not None

    client.post("/notifications/read-all/")
    assert staff.notifications.unread().count() == 0
    assert 'data-testid="unread-count"' not in client.get("/").content.decode()


def test_notification_api_lists_only_mine(client_for, staff, leader):
    notify(recipients=[leader], event_key="only-leader", title="仅领导")
    results = client_for(staff).get("/api/v1/notifications/", {"page_size": 200}).json()["results"]
    assert "仅领导" not in {r["title"] for r in results}
