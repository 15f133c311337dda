"""Demo approval cases in every interesting state, with clocks set back so the lights show green, amber and red.
Idempotent: skipped when the demo cases exist."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from portal.core import workdays
from projects.models import Project

from . import services
from .catalogue import catalogue_seed
from .models import ApprovalCase, ApprovalStage, Commitment, ItemReview

FORM = {"scale": "双向六车道，全长 48.6 公里", "land_area": "1250000", "location": "浙江省", "contact": "钱立群",
        "phone": "13800000001"}


def demo_pdf(name: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% demo document: {name}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    return SimpleUploadedFile(f"{name}.pdf", body.encode(), content_type="application/pdf")


def _upload_all(case, actor, skip_non_core: bool = False, skip: int = 0):
    docs = [d for d in services.stage_documents(case.stage) if not (skip_non_core and not d.is_core)]
    for doc in docs[skip:]:
        services.document_upload(actor=actor, case=case, required_document=doc, upload=demo_pdf(doc.name))


def _backdate(case: ApprovalCase, workdays_ago: int) -> None:
    """Move the case's clock back: submitted and accepted `workdays_ago` working days before today."""
    case.refresh_from_db()
    today = timezone.localdate()
    day = today
    for _ in range(workdays_ago):
        day -= datetime.timedelta(days=1)
        while not workdays.is_workday(day):
            day -= datetime.timedelta(days=1)
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30)))
    ApprovalCase.objects.filter(pk=case.pk).update(submitted_at=moment, first_submitted_at=moment,
                                                   accepted_on=day if case.accepted_on else None)
    for review in ItemReview.objects.filter(case=case).select_related("item"):
        review.started_on = day
        review.due_on = workdays.add_workdays(day, review.item.time_limit_days)
        review.save(update_fields=["started_on", "due_on"])


@transaction.atomic
def seed() -> dict:
    catalogue_seed()
    if not ApprovalCase.objects.exists():
        _seed_owner_cases()
    _seed_land_use_under_review()
    return {"approval_cases": ApprovalCase.objects.count()}


def _seed_land_use_under_review() -> None:
    """7. 环湖大堤 · 立项用地规划许可, applied for by 浙水水利水电 (`owner2`): accepted 5 working days ago, every item
    running and green — 发改's project approval in review by `reviewer`, the rest pending — so the 发改, 自然资源
    and 生态环境 reviewers find it in their queues. Its own check: added to a demo seeded before it existed."""
    project = Project.objects.filter(name="环湖大堤（浙江段）后续工程").first()
    applicant = User.objects.filter(username="owner2").first()
    if project is None or applicant is None or ApprovalCase.objects.filter(
            project=project, stage=ApprovalStage.LAND_USE_PLANNING).exists():
        return
    form = {**FORM, "scale": "加固堤防 64.3 公里，新建、改建闸站 12 座", "location": "浙江省湖州市", "contact": "沈国平",
            "phone": "13800000002"}
    case = services.case_create(actor=applicant, project=project, stage=ApprovalStage.LAND_USE_PLANNING, form_data=form)
    _upload_all(case, applicant)
    services.case_submit(actor=applicant, case=case)
    services.case_accept(actor=User.objects.get(username="staff"), case=case)
    _backdate(case, 5)
    approval = case.reviews.get(item__code="LY01")
    services.review_start(actor=User.objects.get(username="reviewer"), review=approval)


def _seed_owner_cases() -> None:
    """Cases 1–6, all of 之江交通 (`owner`)."""
    owner = User.objects.get(username="owner")  # 钱立群, 之江交通建设投资有限公司 (建设单位)
    staff = User.objects.get(username="staff")
    hangwen = Project.objects.get(name="杭温高速铁路义乌至温州段")
    quzhou = Project.objects.get(name="衢州机场迁建工程")
    huhang = Project.objects.get(name="湖杭高速公路二期工程")
    jinyi = Project.objects.get(name="金义东市域轨道交通东阳线")

    # 1. 杭温高铁 · 立项用地规划许可: completed, permit issued (clock began 40 working days ago).
    done = services.case_create(actor=owner, project=hangwen, stage=ApprovalStage.LAND_USE_PLANNING, form_data=FORM)
    _upload_all(done, owner)
    services.case_submit(actor=owner, case=done)
    services.case_accept(actor=staff, case=done)
    _backdate(done, 40)
    for review in done.reviews.select_related("item"):
        reviewer = User.objects.filter(organization_id=review.department_id, groups__name="department_reviewer").first()
        services.review_decide(actor=reviewer or staff, review=review, decision="approve", opinion="符合要求，同意。")
        decided = workdays.add_workdays(review.started_on, max(1, review.item.time_limit_days - 3))
        ItemReview.objects.filter(pk=review.pk).update(decided_on=decided)
    last = max(ItemReview.objects.filter(case=done).values_list("decided_on", flat=True))
    ApprovalCase.objects.filter(pk=done.pk).update(completed_on=last)

    # 2. 杭温高铁 · 工程建设许可: accepted 14 working days ago; items approved, amber and overdue.
    running = services.case_create(actor=owner, project=hangwen, stage=ApprovalStage.ENGINEERING_PLANNING,
                                   form_data=FORM)
    _upload_all(running, owner)
    services.case_submit(actor=owner, case=running)
    services.case_accept(actor=staff, case=running)
    _backdate(running, 14)
    reviews = list(running.reviews.select_related("item").order_by("item__order"))
    services.review_decide(actor=User.objects.get(username="zrzy_reviewer"), review=reviews[0], decision="approve",
                           opinion="方案符合控制性详细规划。")
    services.review_start(actor=User.objects.get(username="reviewer"), review=reviews[1]) if (
        reviews[1].department.department_code == "fgw") else None

    # 3. 衢州机场 · 施工许可: accepted with deficiency; the commitment is overdue.
    deficient = services.case_create(actor=owner, project=quzhou, stage=ApprovalStage.CONSTRUCTION_PERMIT,
                                     form_data=FORM)
    _upload_all(deficient, owner, skip_non_core=True)
    services.case_submit(actor=owner, case=deficient)
    missing = {d.pk: workdays.add_workdays(timezone.localdate(), 3) for d in services.missing_documents(deficient)}
    services.case_accept_with_deficiency(actor=staff, case=deficient, commitments=missing)
    _backdate(deficient, 6)
    Commitment.objects.filter(case=deficient).update(due_on=timezone.localdate() - datetime.timedelta(days=2))

    # 4. 湖杭高速 · 竣工验收: submitted yesterday, waiting at the window.
    waiting = services.case_create(actor=owner, project=huhang, stage=ApprovalStage.COMPLETION_ACCEPTANCE,
                                   form_data=FORM)
    _upload_all(waiting, owner, skip=1)
    services.case_submit(actor=owner, case=waiting, missing_confirmed=True)

    # 5. 金义东 · 施工许可: one correction notice listing everything missing.
    correcting = services.case_create(actor=owner, project=jinyi, stage=ApprovalStage.CONSTRUCTION_PERMIT,
                                      form_data=FORM)
    _upload_all(correcting, owner, skip=2)
    services.case_submit(actor=owner, case=correcting, missing_confirmed=True)
    services.case_request_correction(actor=staff, case=correcting, items=[
        "缺少施工合同（须加盖双方公章）", "缺少监理合同", "资金到位证明金额与总投资不符，请补充银行出具的证明"])

    # 6. 杭温高铁 · 施工许可: a draft the owner is still preparing.
    services.case_create(actor=owner, project=hangwen, stage=ApprovalStage.CONSTRUCTION_PERMIT, form_data=FORM)
