"""The issue list of the province-scale data (portal/core/scale.py, `manage.py seed_scale`; declared as
`Plugin.scale` / `Plugin.scale_counts` by CoordinationConfig): DOMAIN.md's 200,000 issue items a year on the
scale province's projects, with the ratings and the monthly call-backs (回访) they would have.

- Each issue is raised by one of its project's companies (a user of the company when it has one, else the
  project's liaison officer or a bureau staff member on its behalf), in a category with its default time limit,
  assigned to the department that deals with the category.
- Its life is drawn as the services would have written it: working minutes to sign for it (most within the 2-hour
  promise), working days to the first answer and to the company's confirmation (each department works at its own
  pace and satisfies the companies to its own degree, so some fall under the 85 % line), sometimes sent back
  once. Issues whose drawn life ends before today are confirmed (most of the older ones filed: closed); the others
  are open in the state their clock has reached, overdue ones with their supervision notice (督办) day.
- 10 % of each past month's confirmed issues have a call-back, most reached (a rating), some unreachable.

The issues are spread over the 365 days before the day of seeding (not before the foundation's fixed ANCHOR), so
that the open ones are open now and the statistics' default twelve months hold them. The draws come from the
province's random generator in a fixed order. No audit events are written for them (1.2 million rows for the
history pages nobody benchmarks). Issue numbers are "WS<year><serial>" (a real one is "WT<year><pk>").

`seed_existing()` adds the same rows to a database that already holds the scale province (for a kept bench
database seeded before this app had scale data)."""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from collections.abc import Callable
from functools import cache
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import Organization, OrganizationKind, Role, User
from portal.core import workdays

from .models import (
    CALLBACK_SHARE,
    DEFAULT_WORKDAYS,
    CallBack,
    CallBackState,
    IssueCategory,
    IssueItem,
    IssueRating,
    IssueSource,
    IssueState,
    RatingKind,
)

ISSUES = 200_000
DAYS = 365
SCALE_PREFIX = "WS"
BATCH = 2000
SHANGHAI = ZoneInfo("Asia/Shanghai")

# The bench's department reviewer (the queue scenario) and bureau staff member (the board): scale.py's password.
BENCH_REVIEWER = "bench_reviewer"
BENCH_STAFF = "bench_staff"
BENCH_DEPARTMENT = "浙江省自然资源厅"

CATEGORY_WEIGHTS = [(IssueCategory.APPROVAL, 24), (IssueCategory.LAND, 20), (IssueCategory.FINANCING, 12),
                    (IssueCategory.LABOUR, 10), (IssueCategory.DEMOLITION, 12), (IssueCategory.UTILITIES, 12),
                    (IssueCategory.OTHER, 10)]
# Which departments deal with a category (demo department names), first one most often.
CATEGORY_DEPARTMENTS = {
    IssueCategory.APPROVAL: ["浙江省发展和改革委员会", "浙江省住房和城乡建设厅", "浙江省生态环境厅"],
    IssueCategory.LAND: ["浙江省自然资源厅"],
    IssueCategory.FINANCING: ["浙江省财政厅", "浙江省发展和改革委员会"],
    IssueCategory.LABOUR: ["浙江省住房和城乡建设厅"],
    IssueCategory.DEMOLITION: ["浙江省自然资源厅", "浙江省住房和城乡建设厅"],
    IssueCategory.UTILITIES: ["浙江省住房和城乡建设厅", "浙江省交通运输厅", "浙江省水利厅"],
    IssueCategory.OTHER: ["浙江省发展和改革委员会", "浙江省交通运输厅", "浙江省水利厅", "浙江省生态环境厅"],
}
# Each department's pace (share of its limit it typically uses) and share of unsatisfied verdicts.
DEPARTMENT_HABITS = {
    "浙江省发展和改革委员会": (0.55, 0.06), "浙江省财政厅": (0.75, 0.12), "浙江省自然资源厅": (0.85, 0.22),
    "浙江省生态环境厅": (0.6, 0.08), "浙江省住房和城乡建设厅": (0.7, 0.1), "浙江省交通运输厅": (0.65, 0.07),
    "浙江省水利厅": (0.8, 0.19),
}
TITLES = {
    IssueCategory.APPROVAL: ["施工许可办理进度缓慢", "环评批复等待时间较长", "工程规划许可材料反复补正", "初步设计审批卡在会签环节",
                             "节能审查意见迟迟未出"],
    IssueCategory.LAND: ["用地预审尚未批复", "林地占用手续未落实", "临时用地到期需续期", "土地组卷报批进度滞后",
                         "基本农田调整方案待审"],
    IssueCategory.FINANCING: ["专项债资金拨付滞后", "项目贷款审批进度慢", "中央预算内资金未到位", "进度款支付存在缺口",
                              "配套资金落实困难"],
    IssueCategory.LABOUR: ["农民工工资专户开设困难", "高峰期用工短缺", "劳务实名制系统对接问题", "特种作业人员不足"],
    IssueCategory.DEMOLITION: ["沿线征迁户未签约", "厂房拆迁补偿标准分歧", "坟墓迁移进展缓慢", "征迁交地滞后影响进场"],
    IssueCategory.UTILITIES: ["高压线迁改方案未定", "燃气管线迁改进度慢", "通信光缆迁移需协调", "给水主管迁改影响施工"],
    IssueCategory.OTHER: ["夜间施工许可需协调", "弃土场选址困难", "周边群众反映施工噪声", "交通组织方案需多部门会商"],
}
ANSWERS = ["已会同相关处室研究，明确办理路径和时限，正在按程序推进。", "已协调属地政府落实，相关手续已办结。",
           "已安排专人对接，材料齐全后当即办理。", "经专题会议研究，同意按调整后的方案实施。"]


@cache
def _add_workdays(day: datetime.date, n: int) -> datetime.date:
    return workdays.add_workdays(day, n)


def _weighted(pairs):
    return [k for k, _ in pairs], [w for _, w in pairs]


def counts() -> dict:
    return {
        "issue_items": IssueItem.objects.count(),
        "open_issue_items": IssueItem.objects.filter(state__in=(
            IssueState.REPORTED, IssueState.ACCEPTED, IssueState.ASSIGNED, IssueState.IN_PROGRESS,
            IssueState.RESOLVED)).count(),
        "issue_ratings": IssueRating.objects.count(),
        "callbacks": CallBack.objects.count(),
    }


def _bench_user(username: str, full_name: str, organization: Organization, role: str, title: str) -> User:
    from portal.accounts import services as accounts
    from portal.core.scale import BENCH_PASSWORD

    found = User.objects.filter(username=username).first()
    if found is not None:
        return found
    return accounts.user_create(actor=None, username=username, full_name=full_name, organization=organization,
                                roles=[role], title=title, email=f"{username}@keyprojects.example.gov.cn",
                                password=BENCH_PASSWORD)


def seed(province) -> None:
    """`ISSUES` issue items (in proportion when the province has other than 3,000 projects) and their ratings
    and call-backs on the province's projects (see the module)."""
    _seed(rng=province.rng, users_by_role=province.users_by_role, log=province.log,
          issues=max(1, ISSUES * province.projects // 3000))


def seed_existing(*, issues: int = ISSUES, log: Callable[[str], None] = print) -> dict:
    """The same rows, added to a database that holds the scale province already (nothing when it holds them)."""
    from portal.core.scale import SEED

    users_by_role: dict[str, list[User]] = defaultdict(list)
    for user in User.objects.filter(is_active=True).prefetch_related("groups").order_by("pk"):
        for group in user.groups.all():
            if group.name in Role.values:
                users_by_role[group.name].append(user)
    with transaction.atomic():
        _seed(rng=random.Random(SEED + 12), users_by_role=users_by_role, log=log, issues=issues)
    return counts()


def _seed(*, rng: random.Random, users_by_role: dict[str, list[User]],  # noqa: C901, PLR0912, PLR0915
          log: Callable[[str], None], issues: int = ISSUES) -> None:
    from projects.models import Project, ProjectParticipant

    if IssueItem.objects.filter(number__startswith=SCALE_PREFIX).exists():
        log("issue items: already there")
        return
    departments = {o.name: o for o in Organization.objects.filter(kind=OrganizationKind.DEPARTMENT)}
    bureau = Organization.objects.filter(kind=OrganizationKind.BUREAU).order_by("pk").first()
    if bureau is None or BENCH_DEPARTMENT not in departments:
        log("issue items: no bureau or departments; skipped")
        return
    _bench_user(BENCH_REVIEWER, "压测审查员", departments[BENCH_DEPARTMENT], Role.DEPARTMENT_REVIEWER, "审查员")
    _bench_user(BENCH_STAFF, "压测窗口", bureau, Role.BUREAU_STAFF, "综合处科员")

    projects = list(Project.objects.active().filter(stage__in=(
        "preparation", "under_construction", "completion_acceptance", "handover", "preliminary_design",
        "feasibility")).values_list("pk", "owner_id", "liaison_officer_id").order_by("pk"))
    if not projects:
        log("issue items: no projects; skipped")
        return
    companies: dict[int, list[int]] = defaultdict(list)
    for project_id, org_id in ProjectParticipant.objects.active().values_list(
            "project_id", "organization_id").order_by("project_id", "pk"):
        companies[project_id].append(org_id)
    company_users: dict[int, list[int]] = defaultdict(list)
    for user in users_by_role.get(Role.CONTRACTOR, []):
        if user.organization_id:
            company_users[user.organization_id].append(user.pk)
    for pk, org_id in User.objects.filter(username__in=("bench_contractor",)).values_list("pk", "organization_id"):
        company_users[org_id].insert(0, pk)
    reviewers: dict[int, list[int]] = defaultdict(list)
    for user in users_by_role.get(Role.DEPARTMENT_REVIEWER, []):
        if user.organization_id is not None:
            reviewers[user.organization_id].append(user.pk)
    staff = [u.pk for u in users_by_role.get(Role.BUREAU_STAFF, [])] or list(
        User.objects.filter(is_superuser=True).values_list("pk", flat=True)[:1])
    habits = {departments[name].pk: DEPARTMENT_HABITS.get(name, (0.7, 0.1)) for name in departments}
    for org_id in habits:
        reviewers.setdefault(org_id, reviewers[org_id] or staff)

    today = timezone.localdate()
    now = timezone.now()
    categories, category_weights = _weighted(CATEGORY_WEIGHTS)
    items: list[IssueItem] = []
    extra_ratings: dict[int, list[tuple[bool, datetime.datetime]]] = {}  # index → unsatisfied verdicts first
    for i in range(issues):
        # --------------------------------------------------------------------------------- raised: who, what
        age = DAYS * (1 - math.sqrt(rng.random()))  # a little more recent than old: the service grows
        created = now - datetime.timedelta(days=age)
        local = timezone.localtime(created)
        if local.hour < 8 or local.hour > 19:  # most issues come in office hours
            created = created.replace(hour=1 + rng.randint(0, 8))  # 09:xx–17:xx in Shanghai (UTC+8)
            local = timezone.localtime(created)
        if created > now:
            created = now - datetime.timedelta(minutes=rng.randint(1, 600))
            local = timezone.localtime(created)
        day = local.date()
        project_id, owner_id, liaison_id = projects[rng.randrange(len(projects))]
        orgs = companies.get(project_id) or [owner_id]
        company_id = rng.choice(orgs)
        users = company_users.get(company_id)
        if users and rng.random() < 0.7:
            source, raiser = IssueSource.COMPANY, users[0] if rng.random() < 0.5 else rng.choice(users)
        elif liaison_id and rng.random() < 0.8:
            source, raiser = IssueSource.LIAISON, liaison_id
        else:
            source, raiser = rng.choice([IssueSource.LIAISON, IssueSource.INSPECTION]), rng.choice(staff)
        verifier = users[0] if users else raiser
        category = rng.choices(categories, weights=category_weights)[0]
        names = CATEGORY_DEPARTMENTS[category]
        department_id = departments[names[0] if rng.random() < 0.7 else rng.choice(names)].pk
        pace, unhappy = habits[department_id]
        limit = DEFAULT_WORKDAYS[category]
        due_on = _add_workdays(day, limit)
        title = rng.choice(TITLES[category])
        item = IssueItem(
            number=f"{SCALE_PREFIX}{day:%Y}{i + 1:07d}", project_id=project_id, title=title,
            description=f"{title}，影响项目建设进度，请协调解决。", category=category, source=source,
            company_id=company_id, raised_by_id=raiser, department_id=None, state=IssueState.REPORTED,
            held_since=created, limit_workdays=limit, due_on=due_on, created_at=created, updated_at=created,
        )
        # ------------------------------------------------------------------------- its life, as drawn
        elapsed = workdays.workdays_between(day, today)
        sign = min(int(rng.lognormvariate(3.7, 0.8)), 2000)  # median ≈ 40 working minutes
        answer_days = max(0, int(rng.gauss(pace * limit, limit * 0.35)))
        reopened = rng.random() < unhappy
        close_days = answer_days + rng.randint(0, 2) + (rng.randint(1, 4) if reopened else 0)
        sign_done = elapsed > 0 or sign < 60 * max(0.0, (now - created).total_seconds() / 3600 - 1)
        if not sign_done:
            items.append(item)  # reported: the window has not signed for it yet
            continue
        accepted = min(created + datetime.timedelta(minutes=sign if sign < 480 else sign * 2), now)
        item.accepted_at, item.accepted_by_id, item.sign_minutes = accepted, rng.choice(staff), sign
        item.state, item.held_since = IssueState.ACCEPTED, accepted
        if elapsed < 1 and rng.random() < 0.5:
            items.append(item)
            continue
        item.department_id = department_id
        item.assigned_at = min(accepted + datetime.timedelta(minutes=rng.randint(5, 240)), now)
        item.state, item.held_since = IssueState.ASSIGNED, item.assigned_at
        if elapsed < 1 or (elapsed < 2 and rng.random() < 0.3):
            items.append(item)
            continue
        item.state = IssueState.IN_PROGRESS
        item.held_since = min(item.assigned_at + datetime.timedelta(hours=rng.randint(1, 20)), now)
        if answer_days >= elapsed:  # still being worked on
            _overdue(item, today)
            items.append(item)
            continue
        answered = _at(_add_workdays(day, answer_days), rng)
        item.first_answer_at = item.resolved_at = max(answered, item.held_since)
        item.answer_workdays, item.resolved_by_id = answer_days, rng.choice(reviewers[department_id])
        item.answer = rng.choice(ANSWERS)
        item.state, item.held_since = IssueState.RESOLVED, item.resolved_at
        if reopened:  # the company said "not solved" once, a few hours after the first answer
            back = item.resolved_at + datetime.timedelta(hours=rng.randint(2, 30))
            reopened = back < now
        if reopened:
            extra_ratings[i] = [(False, back)]
            item.reopen_count, item.rating_count = 1, 1
        if close_days >= elapsed:  # waiting for the company (or back at work after a "not solved")
            if reopened:
                item.state, item.held_since = IssueState.IN_PROGRESS, back
                _overdue(item, today)
            items.append(item)
            continue
        confirmed_day = _add_workdays(day, close_days)
        if reopened:  # the second answer
            item.resolved_at = max(item.resolved_at, back + datetime.timedelta(hours=1))
        verified = min(max(_at(confirmed_day, rng), item.resolved_at + datetime.timedelta(hours=1)),
                       now - datetime.timedelta(minutes=1))
        item.verified_at, item.verified_by_id = verified, verifier
        local_verified = timezone.localtime(verified).date()
        item.close_workdays = workdays.workdays_between(day, local_verified)
        item.on_time = local_verified <= due_on
        if item.on_time is False and local_verified > due_on:
            item.supervised_on = _add_workdays(due_on, 1) if _add_workdays(due_on, 1) <= local_verified else None
        item.state, item.held_since = IssueState.VERIFIED, verified
        item.rating_count, item.satisfied_count = 1 + int(reopened), 1
        if workdays.workdays_between(local_verified, today) > 3 and rng.random() < 0.92:
            item.closed_at = min(verified + datetime.timedelta(days=rng.randint(1, 4), hours=rng.randint(0, 6)), now)
            item.state, item.held_since = IssueState.CLOSED, item.closed_at
        item.updated_at = item.held_since
        items.append(item)
    log(f"issue items drawn: {len(items)}")

    # ------------------------------------------------------------- call-backs: 10 % of each past month's confirmed
    this_month = today.replace(day=1)
    by_month: dict[datetime.date, list[int]] = defaultdict(list)
    for n, item in enumerate(items):
        if item.verified_at is not None:
            month = timezone.localtime(item.verified_at).date().replace(day=1)
            if month < this_month:
                by_month[month].append(n)
    callbacks: dict[int, tuple[datetime.date, str, datetime.datetime, bool | None]] = {}
    for month in sorted(by_month):
        chosen = rng.sample(by_month[month], max(1, math.ceil(len(by_month[month]) * CALLBACK_SHARE / 100)))
        called = timezone.make_aware(datetime.datetime.combine(
            _add_workdays((month + datetime.timedelta(days=32)).replace(day=1), rng.randint(1, 8)),
            datetime.time(10, 0)), SHANGHAI)
        for n in sorted(chosen):
            item = items[n]
            if rng.random() < 0.1:
                callbacks[n] = (month, CallBackState.UNREACHABLE, called, None)
                continue
            satisfied = rng.random() >= habits[item.department_id][1] * 0.8
            callbacks[n] = (month, CallBackState.DONE, called + datetime.timedelta(minutes=rng.randint(0, 400)),
                            satisfied)
            item.rating_count += 1
            item.satisfied_count += int(satisfied)

    # ------------------------------------------------------------------------------------------------ write
    created_items: list[IssueItem] = []
    for start in range(0, len(items), BATCH):
        created_items += IssueItem.objects.bulk_create(items[start:start + BATCH], batch_size=BATCH)
    log(f"{len(created_items)} issue items")
    ratings, rows = [], []
    for n, item in enumerate(created_items):
        for satisfied, at in extra_ratings.get(n, []):
            ratings.append(IssueRating(issue_id=item.pk, kind=RatingKind.VERIFICATION, satisfied=satisfied,
                                       comment="答复未解决实际问题，请继续协调。",
                                       rated_by_id=item.verified_by_id or item.raised_by_id,
                                       department_id=item.department_id, created_at=at, updated_at=at))
        if item.verified_at is not None:
            ratings.append(IssueRating(issue_id=item.pk, kind=RatingKind.VERIFICATION, satisfied=True, comment="",
                                       rated_by_id=item.verified_by_id or item.raised_by_id,
                                       department_id=item.department_id, created_at=item.verified_at,
                                       updated_at=item.verified_at))
        if n in callbacks:
            month, state, called, verdict = callbacks[n]
            caller = staff[n % len(staff)]
            rows.append(CallBack(issue_id=item.pk, month=month, state=state, called_at=called, called_by_id=caller,
                                 contact="项目负责人" if state == CallBackState.DONE else "",
                                 answer=("问题已解决，对服务满意。" if verdict else "问题解决不彻底。")
                                 if state == CallBackState.DONE else "电话无人接听。",
                                 satisfied=verdict, created_at=called, updated_at=called))
            if state == CallBackState.DONE:
                ratings.append(IssueRating(issue_id=item.pk, kind=RatingKind.CALLBACK, satisfied=bool(verdict),
                                           comment=rows[-1].answer, rated_by_id=caller,
                                           department_id=item.department_id, created_at=called, updated_at=called))
    IssueRating.objects.bulk_create(ratings, batch_size=BATCH * 2)
    CallBack.objects.bulk_create(rows, batch_size=BATCH)
    log(f"{len(ratings)} issue ratings, {len(rows)} call-backs")


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """A moment in office hours of `day` (Shanghai)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9 + rng.randint(0, 7),
                                                                            rng.randint(0, 59))), SHANGHAI)


def _overdue(item: IssueItem, today: datetime.date) -> None:
    """An open issue past its due date got its supervision notice the working day after."""
    notice = _add_workdays(item.due_on, 1)
    if notice <= today:
        item.supervised_on = notice
