"""The admin site is for the bureau's system administrators; what it changes is audited, and it deletes nothing."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_admin_changes_are_audited_and_delete_is_not_offered(client_for, admin_user):
    client = client_for(admin_user)
    org = Organization.objects.get(name="正衡工程监理有限公司")
    page = client.get(f"/admin/accounts/organization/{org.pk}/change/").content.decode()
    assert "deletelink" not in page
    assert client.get(f"/admin/accounts/organization/{org.pk}/delete/").status_code == 403

    person = User.objects.get(username="supervisor")
    User.objects.filter(pk=person.pk).update(date_joined=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    response = client.post(f"/admin/accounts/user/{person.pk}/change/", {
        "username": person.username, "full_name": "冯建明", "email": person.email, "phone": "", "title": "总监",
        "organization": person.organization_id, "is_active": "on", "email_notifications": "on",
        "groups": [g.pk for g in person.groups.all()], "last_login_0": "", "last_login_1": "",
        "date_joined_0": "2025-01-01", "date_joined_1": "08:00:00",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(User),
                                      object_id=str(person.pk)).latest("created_at")
    assert event.actor == admin_user
    assert event.changes == {"title": ["总监理工程师", "总监"]}
