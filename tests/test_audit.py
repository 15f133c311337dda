"""Every create, change and state change of a domain object is recorded with who, when, what and why; nothing
is hard-deleted — objects are voided with a reason."""

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from portal.accounts.models import CreditStanding, Organization
from portal.accounts.services import organization_set_credit_standing
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from portal.core.models import Region
from projects.models import Project
from projects.services import project_create, project_update

pytestmark = pytest.mark.django_db


def events(obj):
    return AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))


@pytest.fixture
def project(staff, owner_org):
    return project_create(
        actor=staff, code="2025-330100-48-01-900001", name="测试快速路工程", project_type="municipal",
        level="municipal", total_investment=Decimal("1200000000.00"), owner=owner_org,
        regions=[Region.objects.get(code="330100")],
    )


def test_create_records_who_and_the_initial_values(project, staff):
    created = events(project).get(action="create")
    assert created.actor == staff
    assert created.changes["name"] == [None, "测试快速路工程"]
    assert created.changes["total_investment"] == [None, "1200000000.00"]


def test_update_records_only_what_changed(project, staff):
    project_update(actor=staff, project=project, name="测试快速路工程（一期）", level="municipal")
    update = events(project).filter(action="update").latest("created_at")
    assert update.changes == {"name": ["测试快速路工程", "测试快速路工程（一期）"]}


def test_update_with_nothing_changed_records_nothing(project, staff):
    before = events(project).count()
    project_update(actor=staff, project=project, name=project.name)
    assert events(project).count() == before


def test_void_needs_a_reason_and_keeps_the_object(client_for, staff, project):
    client = client_for(staff)
    response = client.post(f"/projects/{project.pk}/void/", {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    project.refresh_from_db()
    assert project.voided_at is None

    client.post(f"/projects/{project.pk}/void/", {"reason": "重复登记"})
    project.refresh_from_db()
    assert project.voided_at is not None and project.void_reason == "重复登记"
    assert events(project).get(action="void").reason == "重复登记"
    assert Project.objects.filter(pk=project.pk).exists()
    assert project not in Project.objects.active()


def test_api_has_no_delete(client_for, staff, project):
    response = client_for(staff).delete(f"/api/v1/projects/{project.pk}/")
    assert response.status_code == 405
    assert Project.objects.filter(pk=project.pk, voided_at__isnull=True).exists()


def test_voided_project_cannot_be_changed(staff, project):
    from portal.core.services import object_void

    object_void(actor=staff, obj=project, reason="撤销立项")
    with translation.override("en"), pytest.raises(ApplicationError, match="This key project is voided"):
        project_update(actor=staff, project=project, name="新名称")


def test_history_is_shown_on_the_object_page(client_for, staff, project):
    project_update(actor=staff, project=project, name="测试快速路工程（一期）")
    page = client_for(staff).get(f"/projects/{project.pk}/history/").content.decode()
    assert 'id="history"' in page
    assert "测试快速路工程（一期）" in page and "<del>测试快速路工程</del>" in page


def test_credit_standing_change_has_history_reason_and_audit(staff):
    org = Organization.objects.get(name="浙中建工集团有限公司")
    organization_set_credit_standing(actor=staff, organization=org, standing=CreditStanding.DISHONEST,
                                     reason="串通投标，列入失信名单")
    org.refresh_from_db()
    assert org.credit_standing == "dishonest" and org.is_dishonest
    change = org.credit_history.get()
    assert (change.from_standing, change.to_standing, change.actor) == ("normal", "dishonest", staff)
    transition = events(org).get(action="transition")
    assert (transition.from_state, transition.to_state, transition.reason) == ("normal", "dishonest",
                                                                               "串通投标，列入失信名单")


def test_setting_the_same_standing_again_records_nothing(staff):
    org = Organization.objects.get(name="浙中建工集团有限公司")
    organization_set_credit_standing(actor=staff, organization=org, standing="warned", reason="约谈")
    organization_set_credit_standing(actor=staff, organization=org, standing="warned", reason="约谈")
    assert org.credit_history.count() == 1


def test_credit_standing_needs_a_reason(client_for, staff):
    org = Organization.objects.get(name="浙中建工集团有限公司")
    response = client_for(staff).post(f"/accounts/organizations/{org.pk}/credit/", {"standing": "warned",
                                                                                    "reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["credit_form"].errors
    org.refresh_from_db()
    assert org.credit_standing == "normal"


def test_participant_grants_and_revocations_are_audited(staff, project):
    from projects.services import participant_add, participant_remove

    contractor = Organization.objects.get(name="华东路桥建设集团有限公司")
    participant = participant_add(actor=staff, project=project, organization=contractor, role="contractor")
    participant_remove(actor=staff, participant=participant, reason="合同解除")
    actions = list(events(project).order_by("created_at", "id").values_list("action", flat=True))
    assert actions[-2:] == ["grant", "revoke"]
    assert events(participant).get(action="void").reason == "合同解除"


def test_history_never_holds_secrets_and_speaks_the_readers_language(client_for, staff, admin_user, project):
    from portal.accounts.services import user_create

    person = user_create(actor=staff, username="newperson", full_name="新同事", organization=staff.organization,
                         roles=["bureau_staff"], password="a-long-password-1")
    created = events(person).get(action="create")
    assert "password" not in created.changes and "last_login" not in created.changes
    page = client_for(admin_user).get(f"/accounts/users/{person.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "pbkdf2" not in page.content.decode() and "md5$" not in page.content.decode()

    project_update(actor=staff, project=project, project_type="transport")
    html = client_for(staff).get(f"/projects/{project.pk}/history/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="field">Type</span>：<del>Municipal</del> → Transport' in html
    assert '<span class="field">Owner</span>：' in html  # the name of the owner, not its id
