"""A meeting's minutes as a PDF (会议纪要; WeasyPrint). The CJK font family is set on `html`, so the page
footer renders Chinese too (SETUP-NOTES.md, as approvals/permits.py does). Rendered on request: a meeting's
minutes are a page or two."""

from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Meeting
from .service_selectors import meeting_decisions, meeting_people

# The print style, passed to WeasyPrint beside the HTML (the portal's templates hold no <style>: CSP).
MINUTES_CSS = """
  @page { size: A4; margin: 2.2cm 2cm; @bottom-center { content: "会议纪要 · 第 " counter(page) " 页"; font-size: 9pt; color: #555; } }
  html { font-family: "WenQuanYi Zen Hei", "Noto Sans CJK SC", sans-serif; font-size: 11pt; color: #111; }
  h1 { text-align: center; font-size: 20pt; margin: .3cm 0 .2cm; }
  .sub { text-align: center; color: #444; margin-bottom: .6cm; }
  h2 { font-size: 13pt; border-bottom: 1px solid #333; padding-bottom: 2pt; margin-top: .6cm; }
  table { width: 100%; border-collapse: collapse; margin: .3cm 0; }
  th, td { border: 1px solid #333; padding: 5pt 7pt; text-align: left; vertical-align: top; }
  th { background: #f3f3f3; font-weight: normal; }
  .kv th { width: 22%; }
  .text { white-space: pre-wrap; line-height: 1.7; }
  .foot { margin-top: 1cm; text-align: right; color: #555; font-size: 9pt; }
"""


def minutes_html(meeting: Meeting) -> str:
    with translation.override("zh-hans"):
        return render_to_string("coordination/minutes_pdf.html", {
            "meeting": meeting, "held_at": timezone.localtime(meeting.held_at),
            "decisions": meeting_decisions(meeting=meeting), **meeting_people(meeting=meeting),
            "printed": timezone.localtime(),
        })


def minutes_pdf(meeting: Meeting) -> bytes:
    from weasyprint import CSS, HTML

    return HTML(string=minutes_html(meeting)).write_pdf(stylesheets=[CSS(string=MINUTES_CSS)])
