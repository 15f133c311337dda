"""Demo feasibility reviews on planning-phase demo projects: one under way (opinions given, one overdue, one due
soon), one just opened, one concluded. Created through the services, then a due date is set back so the overdue
light shows. Idempotent: a review whose title exists on its project is left as it is."""

import datetime

from django.db import transaction

from portal.accounts.models import DepartmentCode, Organization, User
from projects.models import FeasibilityOpinion, FeasibilityReview, OpinionConclusion, Project

from . import services

AGREE, CONDITIONS, DISAGREE = (OpinionConclusion.AGREE, OpinionConclusion.AGREE_WITH_CONDITIONS,
                               OpinionConclusion.DISAGREE)

# project, title, description, [(department, due in days, (reviewer, conclusion, opinion, conditions) or None)],
# conclusion of the review or ""
REVIEWS = [
    ("浙西南水资源配置工程", "可行性研究报告多部门联合审查",
     "请各部门对《浙西南水资源配置工程可行性研究报告（报批稿）》提出审查意见，重点关注水资源论证、用地预审、"
     "环境影响、资金筹措及移民安置社会稳定风险评估。",
     [(DepartmentCode.DEVELOPMENT_REFORM, 12, ("reviewer", CONDITIONS,
                                               "项目符合省水网建设规划，建设必要性充分，总体方案基本可行。",
                                               "1. 进一步优化输水线路比选，控制投资规模在估算范围内；\n"
                                               "2. 补充社会稳定风险评估报告并落实化解措施。")),
      (DepartmentCode.NATURAL_RESOURCES, 12, ("zrzy_reviewer", AGREE,
                                              "项目用地符合国土空间规划，已纳入重点项目用地保障清单，原则同意用地预审。",
                                              "")),
      (DepartmentCode.ECOLOGY_ENVIRONMENT, -3, None),
      (DepartmentCode.FINANCE, 2, None)],
     ""),
    ("嘉兴南湖大道智慧化改造", "可行性研究报告审查",
     "请对南湖大道智慧化改造可研报告提出意见，涉及智慧交通设施、综合杆箱及地下管线迁改。",
     [(DepartmentCode.DEVELOPMENT_REFORM, 9, None),
      (DepartmentCode.FINANCE, 9, ("czt_reviewer", AGREE,
                                   "资金来源为市级财政资金和地方政府专项债券，资金筹措方案可行。", "")),
      (DepartmentCode.ECOLOGY_ENVIRONMENT, 6, None)],
     ""),
    ("瓯江引水工程二期", "可行性研究报告联合审查",
     "瓯江引水工程二期可研报告联合审查。",
     [(DepartmentCode.DEVELOPMENT_REFORM, 10, ("fgw_head", AGREE, "建设必要性充分，方案可行，同意。", "")),
      (DepartmentCode.NATURAL_RESOURCES, 10, ("zrzy_reviewer", CONDITIONS, "原则同意。",
                                              "取水口所涉永久基本农田须按规定补划。")),
      (DepartmentCode.ECOLOGY_ENVIRONMENT, 10, ("sthj_reviewer", AGREE,
                                                "取水口位于饮用水水源二级保护区外，环境影响可控。", "")),
      (DepartmentCode.FINANCE, 10, ("czt_reviewer", AGREE, "同意资金筹措方案。", ""))],
     "各部门均同意，其中自然资源厅附永久基本农田补划条件。审查通过，请建设单位按条件修改完善后报批。"),
]


@transaction.atomic
def seed() -> dict:
    staff = User.objects.get(username="staff")
    today = services.today()
    created = 0
    for project_name, title, description, asks, conclusion in REVIEWS:
        project = Project.objects.filter(name=project_name).first()
        if project is None or FeasibilityReview.objects.filter(project=project, title=title).exists():
            continue
        departments = {o.department_code: o for o in Organization.objects.filter(
            department_code__in=[code for code, *_ in asks])}
        review = services.review_open(
            actor=staff, project=project, title=title, description=description,
            departments=[(departments[code], today + datetime.timedelta(days=max(days, 1))) for code, days, _ in asks],
        )
        for code, days, given in asks:
            opinion = review.opinions.get(department=departments[code])
            if given:
                username, verdict, text, conditions = given
                services.opinion_give(actor=User.objects.get(username=username), opinion=opinion, conclusion=verdict,
                                      opinion_text=text, conditions=conditions)
            elif days < 0:  # the demo's overdue opinion: its due date set back past today
                FeasibilityOpinion.objects.filter(pk=opinion.pk).update(due_date=today + datetime.timedelta(days=days))
        if conclusion:
            services.review_conclude(actor=staff, review=review, conclusion=conclusion)
        created += 1
    return {"feasibility_reviews": FeasibilityReview.objects.count(), "feasibility_reviews_created": created}
