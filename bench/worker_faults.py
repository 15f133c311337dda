"""Worker faults (not a CI test; issue 11): 200 tasks queued on the embedded stack — notification e-mails, permit
renders and deadline scans — and the worker killed with SIGKILL while it works through them. After supervisor has
restarted it, every task must be done exactly once: each e-mail in the mail directory once, each permit rendered
once (a second render would store a second file), every task in the ledger done, none lost.

    .venv/bin/python bench/worker_faults.py            # about 3-6 minutes

Environment: FAULT_TASKS (200), FAULT_KILL_AFTER (50: tasks done before the SIGKILL), STACK_KEEP=1 keeps the var
dir. The visibility timeout (60 s) and the ledger's re-send wait (30 s) are shortened so that the tasks the killed
worker had taken come back within the run; the production defaults are 20 min / 1 h and 2 min.
"""

import email
import email.header
import os
import sys
import time
from collections import Counter
from pathlib import Path

from stack import Stack, log

TASKS = int(os.environ.get("FAULT_TASKS", "200"))
KILL_AFTER = int(os.environ.get("FAULT_KILL_AFTER", "50"))
MARK = "故障演练"
SETTLE = 90  # the visibility timeout (60 s) and a sweep


def mail_sent(mail_dir: Path) -> dict[str, list[str]]:
    """Subject → the Message-IDs of every message the file e-mail backend wrote with it (one file per connection,
    messages separated by a line of 79 dashes)."""
    sent: dict[str, list[str]] = {}
    for path in mail_dir.glob("*.log") if mail_dir.exists() else []:
        for raw in path.read_text(errors="replace").split("-" * 79):
            if not raw.strip():
                continue
            message = email.message_from_string(raw.strip())
            subject = str(email.header.make_header(email.header.decode_header(message.get("Subject", ""))))
            if MARK in subject:
                sent.setdefault(subject, []).append(message.get("Message-ID", ""))
    return sent


def run(stack: Stack) -> int:
    stack.django()
    from django.db.models import Count, Q

    from approvals.models import ApprovalCase, CaseState
    from approvals.tasks import render_permit
    from portal.accounts.models import User
    from portal.core.models import TaskRecord, TaskState
    from portal.core.tasks import deadline_scan
    from portal.notifications.services import notify

    started = time.monotonic()
    cases = list(ApprovalCase.objects.filter(state=CaseState.COMPLETED))
    for case in cases:  # render them again from nothing
        if case.permit_pdf:
            case.permit_pdf.delete(save=False)
        ApprovalCase.objects.filter(pk=case.pk).update(permit_pdf="")
    users = list(User.objects.filter(is_active=True).exclude(email="").filter(email_notifications=True)[:20])
    n_scans = max(10, TASKS // 5)
    n_mail = TASKS - n_scans - len(cases)
    TaskRecord.objects.all().delete()
    log(f"Queueing {TASKS} tasks: {n_mail} notification e-mails, {len(cases)} permit renders, "
        f"{n_scans} deadline scans")
    for i in range(n_mail):
        notify(recipients=[users[i % len(users)]], event_key=f"fault-drill-{i}", title=f"{MARK} #{i:03d}")
    for case in cases:
        render_permit.delay(case.pk)
    for _ in range(n_scans):
        deadline_scan.delay()
    ledger = TaskRecord.objects.filter(sent_at__isnull=False)
    queued = ledger.count()

    def done() -> int:
        return ledger.filter(state__in=[TaskState.DONE, TaskState.FAILED]).count()

    while done() < min(KILL_AFTER, queued) and time.monotonic() - started < 300:
        time.sleep(0.05)
    at_kill = done()
    kill = stack.kill_worker()
    deadline = time.monotonic() + 600
    while done() < ledger.count() and time.monotonic() < deadline:
        time.sleep(1)
    elapsed = time.monotonic() - started
    # Messages the killed worker had taken come back after the visibility timeout: watch them arrive and be skipped.
    log(f"All done after {elapsed:.0f} s; watching {SETTLE} s more for late redeliveries")
    time.sleep(SETTLE)
    total = ledger.count()

    states = Counter(ledger.values_list("state", flat=True))
    skipped = sum(max(0, d - 1) for d in ledger.values_list("deliveries", flat=True))
    resent = ledger.filter(resends__gt=0).count()
    subjects = mail_sent(stack.var / "mail")
    twice = {s: ids for s, ids in subjects.items() if len(set(ids)) > 1}  # two different messages: a defect
    repeated = {s: ids for s, ids in subjects.items() if len(ids) > len(set(ids))}  # one message handed over twice
    unsent = n_mail - len(subjects)
    media = stack.var / "media"
    permit_files = {case.pk: len(list(media.rglob(f"{case.permit_number}*.pdf"))) for case in cases}
    renders_twice = [pk for pk, n in permit_files.items() if n > 1]
    unrendered = [pk for pk, n in permit_files.items() if n == 0]
    failed = list(ledger.filter(state=TaskState.FAILED).values_list("name", "error")[:5])
    by_name = dict(ledger.values_list("name").annotate(n=Count("pk"), d=Count("pk", filter=Q(state="done")))
                   .values_list("name", "d"))
    ok = (states.get(TaskState.DONE, 0) == total and not twice and not unsent and not renders_twice
          and not unrendered and kill["new"])
    print(
        "\n==> Worker faults result\n"
        f"tasks queued:       {queued} ({n_mail} e-mails, {len(cases)} permit renders, {n_scans} deadline scans; "
        f"{total - queued} more sent by the tasks themselves)\n"
        f"SIGKILL:            after {at_kill} were done; worker back after {kill['back_s']:.1f} s\n"
        f"tasks done:         {states.get(TaskState.DONE, 0)} of {total} in {elapsed:.0f} s "
        f"(by task: {by_name}); failed {states.get(TaskState.FAILED, 0)}, not done {total - done()}\n"
        f"ledger:             {resent} sent again by the sweep; {skipped} second deliveries skipped\n"
        f"e-mails:            {len(subjects)} of {n_mail} sent; two different messages for one notification: "
        f"{len(twice)}; one message handed to the mail server twice (same Message-ID, shown once): {len(repeated)}\n"
        f"permits:            {len(cases) - len(unrendered)} of {len(cases)} rendered; rendered twice: "
        f"{len(renders_twice)}\n"
        f"result:             {'PASS' if ok else 'FAIL'}",
        flush=True,
    )
    for subject, ids in list(repeated.items())[:5]:
        print(f"handed over twice: {subject} {ids[0]} (killed between the hand-off and its record)")
    if failed:
        print("failed: " + "; ".join(f"{n}: {e[:200]}" for n, e in failed))
    return 0 if ok else 1


def main() -> int:
    stack = Stack(CELERY_VISIBILITY_TIMEOUT="60", TASK_LEDGER_RESEND_SECONDS="30", DEADLINE_SCAN_SECONDS="3600")
    try:
        stack.start()
        return run(stack)
    finally:
        stack.stop(keep=os.environ.get("STACK_KEEP") == "1")


if __name__ == "__main__":
    sys.exit(main())
