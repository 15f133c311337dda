"""The risk register: likelihood × impact on a 5×5 matrix, the heat map that counts the live risks per cell, the
filters and the Excel export, edits under the optimistic version lock, closing with a note, and who may see and
change what (a company sees only its own projects' risks).

杭温高速铁路义乌至温州段 is owned by 之江交通 (`owner`); 华东路桥 (`contractor`) builds it; 浙中建工 (`builder2`)
does not take part. 宁海抽水蓄能电站送出工程 has no demo risks: the heat-map arithmetic is checked there."""

import datetime
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from portal.accounts.models import Organization, User
from portal.audit.models import AuditEvent
from portal.core.errors import ApplicationError
from projects.models import Project, Risk
from projects.models.risks import band_scores, risk_band
from projects.risks import selectors, services

pytestmark = pytest.mark.django_db

HANGWEN, NINGHAI = "杭温高速铁路义乌至温州段", "宁海抽水蓄能电站送出工程"


@pytest.fixture
def en(client_for):
    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def hangwen(db) -> Project:
    return Project.objects.get(name=HANGWEN)


@pytest.fixture
def ninghai(db) -> Project:
    return Project.objects.get(name=NINGHAI)


@pytest.fixture
def owner(db) -> User:
    return User.objects.get(username="owner")


def new_risk(actor, project, **fields) -> Risk:
    values = {"title": "征地拆迁群众诉求", "category": "social_stability", "likelihood": 3, "impact": 4,
              "owner_name": "张卫东", "mitigation": "一户一策"}
    values.update(fields)
    return services.risk_create(actor=actor, project=project, **values)


def bulk_risks(project, n):
    Risk.objects.bulk_create([
        Risk(project=project, title=f"风险{i}", category="safety", likelihood=1 + i % 5, impact=1 + (i * 2) % 5,
             owner_name="李工", owner_organization=project.owner, status="open" if i % 2 else "mitigating")
        for i in range(n)
    ])


# --------------------------------------------------------------------------------------------- arithmetic
def test_bands_of_every_cell_of_the_matrix():
    bands = {(lk, im): risk_band(lk * im) for lk in range(1, 6) for im in range(1, 6)}
    assert [s for s in range(1, 26) if any(lk * im == s for lk, im in bands)] == [
        1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 20, 25]
    assert {risk_band(s) for s in (1, 2, 3, 4)} == {"low"}
    assert {risk_band(s) for s in (5, 6, 8, 9)} == {"medium"}
    assert {risk_band(s) for s in (10, 12, 15, 16)} == {"high"}
    assert {risk_band(s) for s in (20, 25)} == {"extreme"}
    assert sum(1 for b in bands.values() if b == "extreme") == 3  # 4×5, 5×4, 5×5
    assert [band_scores(b) for b in ("low", "medium", "high", "extreme")] == [(1, 4), (5, 9), (10, 16), (17, 25)]
    assert Risk(likelihood=4, impact=5).score == 20 and Risk(likelihood=4, impact=5).band == "extreme"


def test_the_heat_map_counts_open_and_mitigating_risks_per_cell(staff, ninghai):
    new_risk(staff, ninghai, likelihood=5, impact=5)
    new_risk(staff, ninghai, likelihood=5, impact=5, status="mitigating")
    services.risk_close(actor=staff, risk=new_risk(staff, ninghai, likelihood=5, impact=5), close_note="已化解")
    services.risk_void(actor=staff, risk=new_risk(staff, ninghai, likelihood=5, impact=5), reason="重复登记")
    new_risk(staff, ninghai, likelihood=1, impact=1)
    new_risk(staff, ninghai, likelihood=3, impact=4, category="financial")

    heat = selectors.heat_map_for(user=staff, project=ninghai)
    counts = {c.key: c.count for row in heat.rows for c in row if c.count}
    assert counts == {"5-5": 2, "1-1": 1, "3-4": 1}
    assert [row[0].likelihood for row in heat.rows] == [5, 4, 3, 2, 1]
    assert [c.impact for c in heat.rows[0]] == [1, 2, 3, 4, 5]
    assert heat.cell(3, 4).count == 1 and heat.cell(3, 4).band == "high"
    assert heat.bands == {"low": 1, "medium": 0, "high": 1, "extreme": 2} and heat.total == 4
    assert selectors.heat_map_for(user=staff, project=ninghai, filters={"category": "financial"}).total == 1


def test_the_heat_map_on_the_page_and_the_api_agree_and_a_cell_lists_its_risks(en, staff, ninghai):
    new_risk(staff, ninghai, likelihood=4, impact=5)
    new_risk(staff, ninghai, likelihood=4, impact=5, status="mitigating", title="隧道突涌水", category="safety")
    new_risk(staff, ninghai, likelihood=2, impact=2)
    client = en(staff)
    page = client.get(reverse("projects:risks", args=[ninghai.pk]))
    html = page.content.decode()
    assert 'data-cell="4-5" data-count="2"' in html and 'data-cell="2-2" data-count="1"' in html
    assert 'data-cell="5-5" data-count="0"' in html
    api = client.get(f"/api/v1/projects/{ninghai.pk}/risks/heat-map/").json()
    assert len(api["cells"]) == 25 and api["total"] == 3
    assert {(c["likelihood"], c["impact"]): c["count"] for c in api["cells"] if c["count"]} == {(4, 5): 2, (2, 2): 1}
    assert api["cells"][0] == {"likelihood": 5, "impact": 1, "score": 5, "band": "medium", "count": 0}

    cell = client.get(reverse("projects:risks", args=[ninghai.pk]) + "?cell=4-5&status=live")
    assert [r.likelihood * r.impact for r in cell.context["page"]] == [20, 20]
    assert [r["score"] for r in client.get(f"/api/v1/projects/{ninghai.pk}/risks/?band=low").json()["results"]] == [4]
    assert client.get(f"/api/v1/projects/{ninghai.pk}/risks/?cell=6-1").json()["error"]["fields"] == {
        "cell": ["Use likelihood-impact, each from 1 to 5, e.g. 4-5."]}


# --------------------------------------------------------------------------------------------- registering
def test_the_owner_registers_a_risk_through_the_page(en, owner, hangwen):
    contractor_org = Organization.objects.get(name="华东路桥建设集团有限公司")
    response = en(owner).post(reverse("projects:risk-create", args=[hangwen.pk]), {
        "title": "施工扰民投诉", "category": "social_stability", "description": "夜间施工噪声",
        "likelihood": "4", "impact": "2", "owner_organization": contractor_org.pk, "owner_name": "李建军",
        "mitigation": "隔音屏障", "status": "open", "review_date": "",
    })
    risk = Risk.objects.filter(project=hangwen, title="施工扰民投诉").get()
    assert response.status_code == 302 and response.url == risk.get_absolute_url()
    assert (risk.score, risk.band, risk.owner_organization, risk.version) == (8, "medium", contractor_org, 1)
    assert AuditEvent.objects.filter(content_type__model="risk", object_id=str(risk.pk), action="create").exists()
    assert User.objects.get(username="contractor").notifications.filter(
        event_key=f"risk:{risk.pk}:owner:{contractor_org.pk}").exists()


@pytest.mark.parametrize("likelihood", [0, 6])
def test_a_likelihood_outside_one_to_five_is_refused_naming_the_field(en, owner, hangwen, likelihood):
    before = Risk.objects.count()
    with pytest.raises(ApplicationError) as exc:
        new_risk(owner, hangwen, likelihood=likelihood)
    assert list(exc.value.extra) == ["likelihood"]

    api = en(owner).post(f"/api/v1/projects/{hangwen.pk}/risks/", {
        "title": "风险", "category": "safety", "likelihood": likelihood, "impact": 3, "owner_name": "李工"},
        content_type="application/json")
    assert api.status_code == 400 and list(api.json()["error"]["fields"]) == ["likelihood"]

    page = en(owner).post(reverse("projects:risk-create", args=[hangwen.pk]), {
        "title": "风险", "category": "safety", "likelihood": str(likelihood), "impact": "3", "owner_name": "李工",
        "status": "open"})
    assert page.status_code == 200 and list(page.context["form"].errors) == ["likelihood"]
    assert Risk.objects.count() == before


def test_other_bad_values_name_their_field(owner, hangwen, ninghai):
    stranger = Organization.objects.get(name="浙中建工集团有限公司")
    cases = [({"impact": 9}, "impact"), ({"category": "weather"}, "category"), ({"owner_name": ""}, "owner_name"),
             ({"owner_organization": stranger}, "owner_organization"), ({"status": "closed"}, "status")]
    for fields, name in cases:
        with pytest.raises(ApplicationError) as exc:
            new_risk(owner, hangwen, **fields)
        assert name in exc.value.extra, (fields, exc.value.extra)
    assert not Risk.objects.filter(project=hangwen, title="征地拆迁群众诉求", owner_name="张卫东").exists()


# ----------------------------------------------------------------------------------------------- editing
def test_an_edit_based_on_an_old_version_is_refused(en, owner, staff, hangwen):
    risk = new_risk(owner, hangwen)
    services.risk_update(actor=owner, risk=risk, version=1, likelihood=2, mitigation="补偿款已兑付")
    with pytest.raises(ApplicationError) as exc:
        services.risk_update(actor=staff, risk=risk, version=1, impact=5)
    assert exc.value.code == "stale" and list(exc.value.extra) == ["version"]
    risk.refresh_from_db()
    assert (risk.likelihood, risk.impact, risk.version, risk.mitigation) == (2, 4, 2, "补偿款已兑付")

    api = en(staff).patch(f"/api/v1/projects/{hangwen.pk}/risks/{risk.pk}/", {"impact": 5, "version": 1},
                          content_type="application/json")
    assert api.status_code == 409 and api.json()["error"]["code"] == "stale"
    assert api.json()["error"]["fields"] == {
        "version": ["Someone else changed this since you opened it; reload and try again."]}
    missing = en(staff).patch(f"/api/v1/projects/{hangwen.pk}/risks/{risk.pk}/", {"impact": 5},
                              content_type="application/json")
    assert missing.status_code == 400 and list(missing.json()["error"]["fields"]) == ["version"]

    form = {"title": risk.title, "category": risk.category, "likelihood": "5", "impact": "5",
            "owner_name": risk.owner_name, "status": "open", "version": "1"}
    page = en(owner).post(reverse("projects:risk-edit", args=[risk.pk]), form)
    assert page.status_code == 200 and "reload and try again" in page.content.decode()
    risk.refresh_from_db()
    assert (risk.likelihood, risk.impact) == (2, 4)

    ok = en(staff).patch(f"/api/v1/projects/{hangwen.pk}/risks/{risk.pk}/", {"impact": 5, "version": 2},
                         content_type="application/json")
    assert ok.status_code == 200 and (ok.json()["score"], ok.json()["version"]) == (10, 3)
    history = en(owner).get(risk.get_absolute_url()).content.decode()
    assert "补偿款已兑付" in history and 'id="history"' in history


def test_closing_needs_a_note_and_a_closed_risk_is_reopened_not_edited(en, owner, hangwen):
    risk = new_risk(owner, hangwen)
    with pytest.raises(ApplicationError) as exc:
        services.risk_close(actor=owner, risk=risk, close_note=" ")
    assert list(exc.value.extra) == ["close_note"]
    page = en(owner).post(reverse("projects:risk-close", args=[risk.pk]), {"close_note": "", "version": "1"})
    assert page.status_code == 200 and list(page.context["form"].errors) == ["close_note"]

    closed = en(owner).post(f"/api/v1/projects/{hangwen.pk}/risks/{risk.pk}/close/",
                            {"close_note": "补偿协议全部签订", "version": 1}, content_type="application/json").json()
    assert (closed["status"], closed["close_note"], closed["version"]) == ("closed", "补偿协议全部签订", 2)
    assert closed["closed_at"] is not None
    with pytest.raises(ApplicationError):
        services.risk_update(actor=owner, risk=risk, version=2, likelihood=1)
    assert risk.pk not in [r.pk for r in selectors.project_risks(user=owner, project=hangwen,
                                                                 filters={"status": "live"})]
    services.risk_reopen(actor=owner, risk=risk, reason="出现新的诉求", version=2)
    risk.refresh_from_db()
    assert (risk.status, risk.closed_at, risk.version) == ("open", None, 3)


def test_a_voided_risk_leaves_the_list_and_the_heat_map(en, owner, hangwen):
    risk = new_risk(owner, hangwen, likelihood=5, impact=5, title="误登记")
    before = selectors.heat_map_for(user=owner, project=hangwen).cell(5, 5).count
    assert en(owner).post(reverse("projects:risk-void", args=[risk.pk]), {"reason": "重复登记"}).status_code == 302
    assert selectors.heat_map_for(user=owner, project=hangwen).cell(5, 5).count == before - 1
    assert risk.pk not in [r.pk for r in selectors.project_risks(user=owner, project=hangwen)]
    assert en(owner).get(risk.get_absolute_url()).status_code == 200  # its record stays, marked voided


# ----------------------------------------------------------------------------------------------- access
def test_another_companys_user_gets_404_everywhere(en, owner, other_contractor, hangwen):
    risk = new_risk(owner, hangwen)
    client = en(other_contractor)
    for url in (reverse("projects:risks", args=[hangwen.pk]), reverse("projects:risk-create", args=[hangwen.pk]),
                risk.get_absolute_url(), reverse("projects:risk-edit", args=[risk.pk]),
                reverse("projects:risk-close", args=[risk.pk]), f"/api/v1/projects/{hangwen.pk}/risks/",
                f"/api/v1/projects/{hangwen.pk}/risks/{risk.pk}/", f"/api/v1/projects/{hangwen.pk}/risks/heat-map/"):
        assert client.get(url).status_code == 404, url
    assert client.patch(f"/api/v1/projects/{hangwen.pk}/risks/{risk.pk}/", {"impact": 1, "version": 1},
                        content_type="application/json").status_code == 404
    assert risk.pk not in [r["id"] for r in client.get("/api/v1/risks/?status=live").json()["results"]]


def test_a_participant_that_is_not_the_owner_and_a_leader_read_but_cannot_change(en, owner, contractor, leader,
                                                                                 hangwen):
    risk = new_risk(owner, hangwen)
    for user in (contractor, leader):
        client = en(user)
        page = client.get(reverse("projects:risks", args=[hangwen.pk]))
        assert page.status_code == 200 and 'data-testid="risk-create"' not in page.content.decode()
        assert client.get(risk.get_absolute_url()).status_code == 200
        assert client.get(reverse("projects:risk-create", args=[hangwen.pk])).status_code == 403
        assert client.post(reverse("projects:risk-edit", args=[risk.pk]), {"title": "改"}).status_code == 403
        assert client.post(reverse("projects:risk-close", args=[risk.pk]), {"close_note": "x",
                                                                             "version": 1}).status_code == 403
        assert client.post(f"/api/v1/projects/{hangwen.pk}/risks/", {
            "title": "风险", "category": "safety", "likelihood": 2, "impact": 2, "owner_name": "李工"},
            content_type="application/json").status_code == 403
        assert client.patch(f"/api/v1/projects/{hangwen.pk}/risks/{risk.pk}/", {"impact": 1, "version": 1},
                            content_type="application/json").status_code == 403
        assert client.post(f"/api/v1/projects/{hangwen.pk}/risks/{risk.pk}/void/", {"reason": "x"},
                           content_type="application/json").status_code == 403
    risk.refresh_from_db()
    assert (risk.impact, risk.status, risk.voided_at, risk.version) == (4, "open", None, 1)


def test_the_overview_shows_each_user_the_risks_of_the_projects_they_see(en, staff, contractor, leader):
    theirs = set(Project.objects.filter(participants__organization=contractor.organization,
                                        participants__voided_at__isnull=True).values_list("pk", flat=True))
    live = Risk.objects.active().filter(status__in=["open", "mitigating"], project__voided_at__isnull=True)

    mine = en(contractor).get(reverse("projects:risk-overview") + "?status=live")
    assert mine.status_code == 200
    assert {r.project_id for r in mine.context["page"].paginator.object_list} <= theirs
    assert mine.context["page"].paginator.count == live.filter(project__in=theirs).count() > 0
    assert mine.context["heat"].total == live.filter(project__in=theirs).count()

    for user in (staff, leader):
        everything = en(user).get(reverse("projects:risk-overview"))
        assert everything.context["heat"].total == live.count()
        top = list(everything.context["page"].paginator.object_list)
        assert top and all(r.likelihood * r.impact >= 10 and r.status != "closed" for r in top)
        scores = [r.likelihood * r.impact for r in top]
        assert scores == sorted(scores, reverse=True)
    province = en(leader).get("/api/v1/risks/heat-map/").json()
    assert province["total"] == live.count() and sum(c["count"] for c in province["cells"]) == live.count()
    assert en(contractor).get("/api/v1/risks/heat-map/").json()["total"] == live.filter(project__in=theirs).count()


def test_the_excel_export_holds_the_filtered_list(en, staff, hangwen):
    response = en(staff).get(reverse("projects:risks", args=[hangwen.pk]) + "?category=social_stability&export=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    expected = Risk.objects.active().filter(project=hangwen, category="social_stability")
    assert len(rows) == 1 + expected.count() > 1
    assert rows[0][:3] == ("Project code", "Project name", "Title")
    assert {r[2] for r in rows[1:]} == set(expected.values_list("title", flat=True))
    assert all(r[6] == r[4] * r[5] for r in rows[1:])


def test_the_demo_registers_social_stability_risks_on_construction_projects(hangwen):
    risks = Risk.objects.filter(project=hangwen)
    assert 5 <= risks.count() <= 10
    assert risks.filter(category="social_stability").count() >= 2
    assert {"social_stability", "safety", "financial", "schedule", "environment"} <= set(
        risks.values_list("category", flat=True))
    assert selectors.social_stability_assessed(project=hangwen)
    assert Risk.objects.filter(status="closed").exclude(close_note="").exists()


# ---------------------------------------------------------------------------------------------- query counts
def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_pages_and_apis_read_a_constant_number_of_queries(en, staff, contractor, ninghai):
    urls = [reverse("projects:risks", args=[ninghai.pk]), reverse("projects:risks", args=[ninghai.pk]) + "?export=xlsx",
            reverse("projects:risk-overview") + "?status=live", f"/api/v1/projects/{ninghai.pk}/risks/",
            "/api/v1/risks/?status=live", f"/api/v1/projects/{ninghai.pk}/risks/heat-map/"]
    client = en(staff)
    bulk_risks(ninghai, 5)
    small = [_count(client, u) for u in urls]
    bulk_risks(ninghai, 10)
    large = [_count(client, u) for u in urls]
    assert large == small
    mine = en(contractor)
    hangwen = Project.objects.get(name=HANGWEN)
    bulk_risks(hangwen, 3)
    before = _count(mine, reverse("projects:risk-overview") + "?status=live")
    bulk_risks(hangwen, 9)
    assert _count(mine, reverse("projects:risk-overview") + "?status=live") == before


def test_a_review_date_in_the_past_is_shown_red(en, owner, hangwen):
    risk = new_risk(owner, hangwen, review_date=timezone.localdate() - datetime.timedelta(days=2))
    assert "Review date passed" in en(owner).get(risk.get_absolute_url()).content.decode()
