"""Demo data of this part, created by `projects.demo.seed()` after the demo province exists: a realistic work
breakdown for four construction projects (a motorway, two railways, an airport), with milestones, finish-to-start
dependencies (some with a lead or lag), a saved baseline, progress as of today with some tasks slipping — a few of
them on the critical path — and the responsibility matrix of each project's participants.

The plan is written in months from the project's start and stretched to its planned period, so the same
template fits projects of different lengths; progress is computed against today's date when the demo is seeded.
Idempotent: a project that already has tasks is left alone."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User

from ..models import (
    ParticipantRole,
    Project,
    ProjectParticipant,
    ScheduleBaseline,
    ScheduleTask,
    TaskResponsibility,
)
from . import services
from .rules import parse_predecessors, wbs_is_ancestor

OWN, DES, CON, TST, ACC = "own", "des", "con", "tst", "acc"

# wbs, name, milestone, start month, duration in months, predecessors ("2.1, 1.2-120": lag in days), who does it.
# Summary tasks (those with sub-tasks) take their dates from their sub-tasks.
MOTORWAY = [
    ("1", "前期工作与征地拆迁", False, 0, 0, "", OWN),
    ("1.1", "初步设计批复", True, 0, 0, "", OWN),
    ("1.2", "征地拆迁", False, 0.5, 12, "1.1", OWN),
    ("1.3", "管线迁改", False, 3, 10, "1.1", OWN),
    ("2", "施工图设计", False, 0, 0, "", DES),
    ("2.1", "施工图勘察设计", False, 0.5, 7, "1.1", DES),
    ("2.2", "施工图审查批复", True, 8, 0, "2.1", DES),
    ("3", "施工准备", False, 0, 0, "", OWN),
    ("3.1", "施工招标及合同签订", False, 8, 3, "2.2", OWN),
    ("3.2", "施工许可", True, 11.5, 0, "3.1", OWN),
    ("4", "路基工程", False, 0, 0, "", CON),
    ("4.1", "清表及软基处理", False, 12, 6, "3.2, 1.2-120", CON),
    ("4.2", "路基土石方", False, 15, 14, "4.1-90", CON),
    ("4.3", "防护及排水工程", False, 20, 14, "4.2-300", CON),
    ("5", "桥梁工程", False, 0, 0, "", CON),
    ("5.1", "桩基及下部结构", False, 12, 16, "3.2", CON),
    ("5.2", "梁板预制与架设", False, 20, 16, "5.1-240", CON),
    ("5.3", "桥面系及附属工程", False, 36, 6, "5.2", CON),
    ("6", "隧道工程", False, 0, 0, "", CON),
    ("6.1", "洞口及明洞工程", False, 12, 4, "3.2", CON),
    ("6.2", "洞身开挖与初期支护", False, 16, 18, "6.1", CON),
    ("6.3", "隧道二次衬砌", False, 20, 18, "6.2-420", CON),
    ("6.4", "隧道贯通", True, 34, 0, "6.2", CON),
    ("7", "路面工程", False, 0, 0, "", CON),
    ("7.1", "底基层与基层", False, 34, 8, "4.2", CON),
    ("7.2", "沥青面层", False, 42, 6, "7.1, 6.3", CON),
    ("8", "交安机电工程", False, 0, 0, "", CON),
    ("8.1", "交通安全设施", False, 46, 5, "7.2-60", CON),
    ("8.2", "机电工程（监控、通信、收费）", False, 40, 12, "6.3", CON),
    ("8.3", "服务区房建及绿化", False, 30, 20, "3.2", CON),
    ("9", "交工验收", False, 0, 0, "", ACC),
    ("9.1", "交工质量检测", False, 52, 3, "8.1, 8.2, 5.3", TST),
    ("9.2", "交工验收", True, 55, 0, "9.1", ACC),
    ("9.3", "通车试运营", True, 55.5, 0, "9.2+15", OWN),
]

RAILWAY = [
    ("1", "前期工作与征地拆迁", False, 0, 0, "", OWN),
    ("1.1", "初步设计批复", True, 0, 0, "", OWN),
    ("1.2", "征地拆迁", False, 0.5, 14, "1.1", OWN),
    ("1.3", "管线及电力线路迁改", False, 2, 12, "1.1", OWN),
    ("2", "施工图设计", False, 0, 0, "", DES),
    ("2.1", "施工图设计", False, 0.5, 8, "1.1", DES),
    ("2.2", "施工图审核", True, 9, 0, "2.1", DES),
    ("3", "站前工程", False, 0, 0, "", CON),
    ("3.1", "路基工程", False, 10, 16, "2.2, 1.2-200", CON),
    ("3.2", "桥梁下部结构", False, 10, 18, "2.2", CON),
    ("3.3", "箱梁预制及架设", False, 20, 16, "3.2-300", CON),
    ("3.4", "隧道进洞", True, 11, 0, "2.2", CON),
    ("3.5", "隧道开挖及初期支护", False, 11, 26, "3.4", CON),
    ("3.6", "隧道二次衬砌", False, 16, 24, "3.5-600", CON),
    ("3.7", "隧道贯通", True, 37, 0, "3.5", CON),
    ("4", "轨道工程", False, 0, 0, "", CON),
    ("4.1", "无砟轨道道床", False, 38, 8, "3.1, 3.3, 3.6-60", CON),
    ("4.2", "铺轨及精调", False, 44, 6, "4.1-60", CON),
    ("4.3", "铺轨贯通", True, 50, 0, "4.2", CON),
    ("5", "站后工程", False, 0, 0, "", CON),
    ("5.1", "四电工程（通信、信号、电力、电气化）", False, 40, 14, "3.3", CON),
    ("5.2", "站房工程", False, 20, 30, "2.2", CON),
    ("6", "验收与开通", False, 0, 0, "", ACC),
    ("6.1", "静态验收", False, 54, 2, "4.3, 5.1", TST),
    ("6.2", "联调联试", False, 56, 3, "6.1", ACC),
    ("6.3", "初步验收及安全评估", False, 59, 1, "6.2", ACC),
    ("6.4", "开通运营", True, 60, 0, "6.3", OWN),
]

AIRPORT = [
    ("1", "前期工作与征地拆迁", False, 0, 0, "", OWN),
    ("1.1", "初步设计及概算批复", True, 0, 0, "", OWN),
    ("1.2", "征地拆迁", False, 0.5, 10, "1.1", OWN),
    ("1.3", "场址内管线迁改", False, 2, 8, "1.1", OWN),
    ("2", "施工图设计", False, 0, 0, "", DES),
    ("2.1", "飞行区施工图设计", False, 0.5, 6, "1.1", DES),
    ("2.2", "航站区施工图设计", False, 1, 7, "1.1", DES),
    ("2.3", "施工图审查批复", True, 8.5, 0, "2.1, 2.2", DES),
    ("3", "飞行区工程", False, 0, 0, "", CON),
    ("3.1", "土石方及地基处理", False, 9, 10, "2.3, 1.2-60", CON),
    ("3.2", "道面基层", False, 17, 6, "3.1-60", CON),
    ("3.3", "道面混凝土", False, 22, 8, "3.2-30", CON),
    ("3.4", "助航灯光工程", False, 28, 8, "3.3-60", CON),
    ("3.5", "飞行区排水及围界", False, 12, 18, "3.1-200", CON),
    ("4", "航站区工程", False, 0, 0, "", CON),
    ("4.1", "航站楼主体结构", False, 9, 12, "2.3", CON),
    ("4.2", "航站楼封顶", True, 21, 0, "4.1", CON),
    ("4.3", "钢结构屋盖及幕墙", False, 21, 8, "4.2", CON),
    ("4.4", "装饰装修及行李、弱电系统", False, 28, 10, "4.3-30", CON),
    ("5", "空管及配套工程", False, 0, 0, "", CON),
    ("5.1", "塔台及空管工程", False, 14, 18, "2.3", CON),
    ("5.2", "供油工程", False, 20, 12, "2.3", CON),
    ("5.3", "陆侧交通及停车楼", False, 16, 18, "2.3", CON),
    ("6", "验收与转场", False, 0, 0, "", ACC),
    ("6.1", "飞行校验", False, 38, 1.5, "3.4, 5.1", TST),
    ("6.2", "行业验收", True, 40, 0, "6.1, 4.4", ACC),
    ("6.3", "竣工验收", True, 41, 0, "6.2, 5.2, 5.3", ACC),
    ("6.4", "转场运营", True, 42, 0, "6.3+10", OWN),
]

# project name → (template, slipped days per task, tasks stuck at a % complete, baseline name)
PLANS = {
    "湖杭高速公路二期工程": (MOTORWAY, {"1.2": 60, "4.1": 45, "7.2": 30, "8.2": 120}, {"8.3": 90, "9.1": 85},
                      "合同工期基线（2020年）"),
    "杭温高速铁路义乌至温州段": (RAILWAY, {"1.2": 75, "3.5": 90, "3.6": 120, "4.2": 60, "6.1": 45, "6.2": 60},
                     {"6.2": 35, "5.2": 92}, "指导性施工组织设计基线"),
    "甬舟铁路金塘海底隧道工程": (RAILWAY, {"1.2": 90, "3.2": 40, "3.5": 60}, {"3.7": 0, "3.5": 96},
                     "合同工期基线（2023年）"),
    "衢州机场迁建工程": (AIRPORT, {"3.3": 45, "4.3": 60}, {"3.4": 90, "4.4": 70}, "总进度计划基线"),
}
ROLE_OF = {OWN: ParticipantRole.OWNER, DES: ParticipantRole.DESIGNER, CON: ParticipantRole.CONTRACTOR,
           TST: ParticipantRole.TESTING, ACC: ParticipantRole.SUPERVISOR}


def _days(months: float, scale: float) -> int:
    return round(months * scale * 30.44)


def plan_dates(template, start: datetime.date, finish: datetime.date) -> dict[str, tuple[datetime.date, datetime.date]]:
    """Planned dates of every task: the template stretched to the project's period, successors moved so that
    each starts no earlier than its predecessors' finish plus lag, summaries spanning their sub-tasks."""
    end_months = max(m + d for _w, _n, _ms, m, d, _p, _k in template)
    scale = max((finish - start).days, 365) / (end_months * 30.44)
    codes = [row[0] for row in template]
    summaries = {c for c in codes if any(wbs_is_ancestor(c, o) for o in codes)}
    dates: dict[str, tuple[datetime.date, datetime.date]] = {}
    for wbs, _name, milestone, month, months, preds, _kind in template:
        if wbs in summaries:
            continue
        s = start + datetime.timedelta(days=_days(month, scale))
        length = 0 if milestone else max(_days(months, scale) - 1, 1)
        for p in parse_predecessors(preds):
            s = max(s, dates[p.wbs][1] + datetime.timedelta(days=p.lag_days))
        dates[wbs] = (s, s + datetime.timedelta(days=length))
    for wbs in sorted(summaries, key=lambda c: -c.count(".")):
        parts = [d for c, d in dates.items() if wbs_is_ancestor(wbs, c)]
        dates[wbs] = (min(p[0] for p in parts), max(p[1] for p in parts))
    return dates


def progress(template, dates, slips: dict[str, int], stuck: dict[str, int], today: datetime.date) -> dict[str, dict]:
    """Actual dates and % complete of every task as of `today`: a task finishes its slip days late; a stuck task
    stays at its % complete; summaries roll their sub-tasks up, weighted by planned days."""
    codes = [row[0] for row in template]
    summaries = {c for c in codes if any(wbs_is_ancestor(c, o) for o in codes)}
    out: dict[str, dict] = {}
    for wbs, _name, milestone, *_rest in template:
        if wbs in summaries:
            continue
        ps, pf = dates[wbs]
        slip = datetime.timedelta(days=slips.get(wbs, 0))
        half = datetime.timedelta(days=slips.get(wbs, 0) // 2)
        start = min(ps + half if not milestone else pf + slip, today)
        if wbs in stuck:
            pct = stuck[wbs]
            out[wbs] = {"percent_complete": pct, "actual_start": start if pct else None, "actual_finish": None}
        elif pf + slip <= today:
            out[wbs] = {"percent_complete": 100, "actual_start": ps + half if not milestone else pf + slip,
                        "actual_finish": pf + slip}
        elif not milestone and ps + half <= today:
            done = (today - start).days + 1
            total = (pf + slip - start).days + 1
            out[wbs] = {"percent_complete": max(1, min(95, round(100 * done / total))), "actual_start": start,
                        "actual_finish": None}
        else:
            out[wbs] = {"percent_complete": 0, "actual_start": None, "actual_finish": None}
    # Work does not finish before the work it waits for: a task whose predecessor is unfinished is at most in
    # progress (a milestone not reached).
    for wbs, _name, milestone, _m, _d, preds, _k in template:
        if wbs in summaries:
            continue
        waiting = [p.wbs for p in parse_predecessors(preds) if p.wbs not in summaries
                   and out[p.wbs]["percent_complete"] < 100]
        if waiting and out[wbs]["percent_complete"] == 100:
            if milestone:
                out[wbs] = {"percent_complete": 0, "actual_start": None, "actual_finish": None}
            else:
                out[wbs] = {**out[wbs], "percent_complete": 80, "actual_finish": None}
    for wbs in sorted(summaries, key=lambda c: -c.count(".")):
        parts = [(c, out[c]) for c in out if wbs_is_ancestor(wbs, c) and c not in summaries]
        weight = sum(max((dates[c][1] - dates[c][0]).days + 1, 1) for c, _ in parts)
        pct = round(sum(v["percent_complete"] * max((dates[c][1] - dates[c][0]).days + 1, 1) for c, v in parts) / weight)
        finished = all(v["percent_complete"] == 100 for _, v in parts)
        pct = 100 if finished else min(pct, 99)
        starts = [v["actual_start"] for _, v in parts if v["actual_start"]]
        out[wbs] = {"percent_complete": pct if starts else 0, "actual_start": min(starts) if starts else None,
                    "actual_finish": max(v["actual_finish"] for _, v in parts) if finished else None}
    return out


def _participants(project: Project) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for role, org_id in ProjectParticipant.objects.active().filter(project=project).values_list(
            "role", "organization_id").order_by("id"):
        found.setdefault(role, []).append(org_id)
    return found


def raci_cells(kind: str, is_summary: bool, orgs: dict[str, list[int]]) -> dict[int, set[str]]:
    """Who is R, A, C, I for a task of `kind`: the owner answers for everything; the organisation that does the
    work is responsible; the supervisor is consulted on construction; the others are informed."""
    def first(role):
        ids = orgs.get(role)
        return ids[0] if ids else None

    owner, designer, contractor = first(ParticipantRole.OWNER), first(ParticipantRole.DESIGNER), first(ParticipantRole.CONTRACTOR)
    supervisor, testing = first(ParticipantRole.SUPERVISOR), first(ParticipantRole.TESTING)
    cells: dict[int, set[str]] = {}

    def put(org, letter):
        if org is not None:
            cells.setdefault(org, set()).add(letter)

    put(owner, "A")
    if is_summary:
        return cells
    doer = {OWN: owner, DES: designer, CON: contractor, TST: testing, ACC: supervisor}[kind] or owner
    put(doer, "R")
    if kind == CON:
        put(supervisor, "C")
        put(designer, "C")
        put(testing, "I")
    elif kind == DES:
        put(contractor, "I")
        put(supervisor, "C")
    elif kind in (TST, ACC):
        put(contractor, "C")
        put(designer, "I")
    else:
        put(contractor, "I")
    return cells


@transaction.atomic
def seed() -> dict:
    staff = User.objects.filter(username="staff").first()
    if staff is None:
        return {}
    today = timezone.localdate()
    created = 0
    for name, (template, slips, stuck, baseline_name) in PLANS.items():
        project = Project.objects.filter(name=name).first()
        if project is None or project.planned_start is None or project.planned_finish is None:
            continue
        if ScheduleTask.objects.filter(project=project).exists():
            continue
        dates = plan_dates(template, project.planned_start, project.planned_finish)
        done = progress(template, dates, slips, stuck, today)
        codes = [row[0] for row in template]
        tasks = {}
        for wbs, task_name, milestone, _m, _d, preds, _kind in template:
            planned_start, planned_finish = dates[wbs]
            tasks[wbs] = services.task_create(
                actor=staff, project=project, wbs=wbs, name=task_name, is_milestone=milestone,
                planned_start=planned_start, planned_finish=planned_finish, predecessors=parse_predecessors(preds),
                note="", **done[wbs])
            created += 1
        baseline = services.baseline_create(actor=staff, project=project, name=baseline_name,
                                            note="经建设单位审定的施工总进度计划。")
        frozen_at = timezone.make_aware(datetime.datetime.combine(project.planned_start + datetime.timedelta(days=270),
                                                                  datetime.time(10, 0)))
        ScheduleBaseline.objects.filter(pk=baseline.pk).update(created_at=min(frozen_at, timezone.now()))
        # The responsibility matrix as the owner agreed it at the start: seed data, written directly (no
        # notification to each organisation for each of the hundred cells).
        orgs = _participants(project)
        cells = []
        for wbs, _n, _ms, _m, _d, _p, kind in template:
            is_summary = any(wbs_is_ancestor(wbs, c) for c in codes)
            for org_id, letters in raci_cells(kind, is_summary, orgs).items():
                cells += [TaskResponsibility(task=tasks[wbs], organization_id=org_id, kind=k) for k in sorted(letters)]
        TaskResponsibility.objects.bulk_create(cells)
    return {"schedule_tasks": ScheduleTask.objects.count(), "schedule_tasks_created": created}
