"""One way to plug an app in (portal.core.plugins): what each app declares is what the portal wires."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import translation
from django_celery_beat.models import PeriodicTask

from portal.accounts.models import Role
from portal.accounts.roles import ROLE_PERMISSIONS
from portal.core import plugins, policy
from portal.core.templatetags.portal import PSEUDO_FIELD_LABELS
from projects.gates import conditions
from projects.models import GateCondition, GateRequirement, Stage
from projects.permissions import ProjectPartPolicy


def test_every_guarded_model_has_exactly_one_policy_and_a_second_one_is_an_error():
    from projects.models import Risk

    current = policy.policy_for(Risk)
    assert policy.register(current) is current  # the same declaration again is harmless
    with pytest.raises(ImproperlyConfigured, match="second access policy for projects.Risk"):
        policy.register(ProjectPartPolicy(Risk))
    assert policy.policy_for(Risk) is current


def test_a_second_policy_declared_by_an_app_stops_the_start_up():
    from projects.models import Risk

    twice = plugins.Plugin(policies=[ProjectPartPolicy(Risk)])
    with pytest.raises(ImproperlyConfigured):
        plugins._wire(apps.get_app_config("projects"), twice)


def test_the_declarations_are_wired():
    declared = plugins.declared()
    assert {"core", "accounts", "notifications", "projects", "approvals"} <= set(declared)
    assert "approvals.add_approvalcase" in ROLE_PERMISSIONS[Role.CONTRACTOR]
    assert "projects.view_gaterequirement" in ROLE_PERMISSIONS[Role.LEADER]
    for plugin in declared.values():
        for name, label in plugin.audit_labels.items():
            assert PSEUDO_FIELD_LABELS[name] == label


@pytest.mark.django_db
def test_the_declared_periodic_tasks_are_synced_after_migrate():
    declared = {name: spec for plugin in plugins.declared().values() for name, spec in plugin.periodic_tasks.items()}
    assert {"portal heartbeat", "deadline scan", "feasibility overdue opinions",
            "monthly progress reminders"} <= set(declared)
    stored = {t.name: (t.task, t.interval.every) for t in PeriodicTask.objects.select_related("interval")}
    assert {name: stored.get(name) for name in declared} == {
        name: (spec["task"], spec["every"]) for name, spec in declared.items()}


def test_the_api_router_has_every_declared_route():
    from portal.api_urls import router

    registered = {(prefix, basename) for prefix, _viewset, basename in router.registry}
    declared = set()
    for plugin in plugins.declared().values():
        if callable(plugin.api_routes) or isinstance(plugin.api_routes, str):
            continue
        declared |= {(prefix, basename) for prefix, _viewset, basename in plugin.api_routes}
    assert declared == {("organizations", "organization"), ("notifications", "notification"),
                        ("instructions", "instruction"),
                        ("approvals/cases", "approval-case"), ("approvals/reviews", "item-review")}
    assert declared <= registered
    # the projects' routes come from a function: the project list and each part's routes
    assert {("projects", "project"), ("projects/map", "project-map"),
            (r"projects/(?P<project_pk>\d+)/gate", "project-gate")} <= registered
    assert reverse("approval-case-list") == "/api/v1/approvals/cases/"
    assert reverse("project-list") == "/api/v1/projects/"


def test_the_gate_conditions_ask_the_registry():
    from approvals import gates

    declared = plugins.gate_conditions()
    assert set(declared) == {GateCondition.APPROVAL_LAND_USE, GateCondition.APPROVAL_ENGINEERING,
                             GateCondition.APPROVAL_CONSTRUCTION, GateCondition.APPROVAL_COMPLETION}
    assert set(conditions.EVALUATORS).isdisjoint(declared)  # projects' own; none about approvals
    assert set(conditions.evaluators()) == set(GateCondition.values)
    assert declared[GateCondition.APPROVAL_LAND_USE].__module__ == gates.__name__


@pytest.mark.django_db
def test_an_approval_permit_declared_by_approvals_still_blocks_the_gate():
    import datetime
    from decimal import Decimal

    from approvals.models import ApprovalCase, ApprovalStage, CaseState
    from portal.accounts.models import User
    from projects.gates.selectors import gate_for
    from projects.services import project_create

    staff = User.objects.get(username="staff")
    owner = User.objects.get(username="owner")
    project = project_create(
        actor=staff, code="2025-330100-48-01-990001", name="插件闸口测试项目", project_type="transport",
        level="provincial", stage=Stage.PRELIMINARY_DESIGN, total_investment=Decimal("1000000000"),
        owner=owner.organization, liaison_officer=User.objects.get(username="liaison"))
    line = GateRequirement.objects.get(key="design.land_use")

    def land_use_line():
        with translation.override("en"):
            return next(i for i in gate_for(project).items if i.requirement.pk == line.pk)

    assert line.condition == GateCondition.APPROVAL_LAND_USE
    blocked = land_use_line()
    assert not blocked.met and blocked.detail == "No application for “Project approval and land-use planning permit” has been made."
    assert not gate_for(project).is_open
    ApprovalCase.objects.create(number="SPT0990001", project=project, stage=ApprovalStage.LAND_USE_PLANNING,
                                state=CaseState.COMPLETED, applicant=project.owner, created_by=owner,
                                completed_on=datetime.date(2025, 3, 18))
    passed = land_use_line()
    assert passed.met and passed.detail == "Application SPT0990001 completed on 2025-03-18."


def test_home_cards_are_declared_by_the_apps_not_the_dashboard():
    names = [card.name for plugin in plugins.declared().values() for card in plugin.home_cards]
    assert names == ["instructions", "projects.figures", "projects.breakdown", "projects.activity",
                     "projects.latest", "approvals", "coordination", "supervision-inspections",
                     "supervision-quality"]


def test_every_apps_declared_pages_are_included_under_its_prefix():
    from importlib import import_module

    from django.urls import URLPattern, resolve

    declared = {label: plugin.urls for label, plugin in plugins.declared().items() if plugin.urls}
    assert {"projects", "approvals"} <= set(declared)
    for urls in declared.values():
        for prefix, module_path in urls:
            module = import_module(module_path)
            # every page without arguments: reversed in the module's namespace, under the declared prefix,
            # resolving to the module's own view
            plain = [p for p in module.urlpatterns if isinstance(p, URLPattern) and p.name and not p.pattern.converters]
            assert plain, module_path
            for pattern in plain:
                url = reverse(f"{module.app_name}:{pattern.name}")
                assert url == f"/{prefix}{pattern.pattern}"
                assert resolve(url).func is pattern.callback
    assert reverse("projects:detail", args=[7]) == "/projects/7/"
    assert reverse("approvals:case-list") == "/approvals/"


def test_seed_all_runs_the_declared_demo_seeders_in_installed_apps_order(db, monkeypatch):
    import dataclasses

    from portal.core.demo import seed_all
    from projects.demo import PROJECTS

    ran = []

    def recording(label, seed):
        def run():
            ran.append(label)
            return plugins._function(seed)()
        return run

    for label, plugin in plugins.declared().items():
        if plugin.demo is not None:
            monkeypatch.setitem(plugins._plugins, label, dataclasses.replace(plugin, demo=recording(label, plugin.demo)))
    monkeypatch.setitem(plugins._plugins, "extra", plugins.Plugin(demo=lambda: {"extra_records": 3}))

    result = seed_all()  # idempotent: the session's demo is there already

    assert ran == ["projects", "approvals", "coordination", "supervision"]
    assert result["projects"] == len(PROJECTS) and result["projects_created"] == 0
    assert result["approval_cases"] > 0 and result["extra_records"] == 3
    assert list(result)[:2] == ["organizations", "users"]  # the foundation's demo province first


@pytest.mark.django_db
def test_a_periodic_task_no_app_declares_any_more_is_disabled_not_run():
    """An upgrade renamed "approval deadline escalation" to core's "deadline scan": the old row must not make beat
    send a task no worker knows."""
    from django_celery_beat.models import IntervalSchedule

    from portal.core.schedule import sync_periodic_tasks

    every, _ = IntervalSchedule.objects.get_or_create(every=900, period=IntervalSchedule.SECONDS)
    old = PeriodicTask.objects.create(name="approval deadline escalation", task="approvals.escalate", interval=every)
    sync_periodic_tasks()
    old.refresh_from_db()
    assert not old.enabled
    assert PeriodicTask.objects.get(name="deadline scan").enabled


def test_deadline_ladders_come_from_the_declarations_and_a_second_of_one_name_is_refused():
    import dataclasses

    from portal.core import deadlines

    declared = [ladder for plugin in plugins.declared().values() for ladder in plugin.deadline_ladders]
    assert declared == ["approvals.deadlines.REVIEW_LADDER", "coordination.deadlines.ISSUE_LADDER",
                        "supervision.inspections.deadlines.RECTIFICATION_LADDER",
                        "supervision.hazards.deadlines.HAZARD_LADDER"]
    ladder, issues, rectifications, hazards = deadlines.ladders()
    assert (ladder.name, issues.name, rectifications.name, hazards.name) == (
        "approvals.item_review", "coordination.issue", "supervision.rectification", "supervision.hazard")
    with pytest.raises(ImproperlyConfigured, match="approvals.item_review"):
        deadlines.register(dataclasses.replace(ladder))
