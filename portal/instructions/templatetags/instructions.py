"""`{% instructions_for obj %}`: the instructions box of any object an app declared a target — the open
instructions as a banner (with the answer form for a holder), the answered and withdrawn ones as history, and the
form to write one for a leader. Three queries however many instructions the object has."""

from django import template

from portal.core import fsm

from .. import selectors, services, targets
from ..forms import AnswerForm, WriteForm

register = template.Library()


@register.inclusion_tag("instructions/_for.html", takes_context=True)
def instructions_for(context, obj):
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if obj is None or user is None or not user.is_authenticated or not targets.is_target(obj):
        return {"show": False}
    rows = selectors.instructions_on(user=user, target=obj)
    open_rows, past_rows = [], []
    for ins in rows:
        if ins.is_open:
            moves = {m.name: m for m in fsm.available(ins, user)}
            open_rows.append({"instruction": ins, "may_answer": "answer" in moves,
                              "may_withdraw": "withdraw" in moves})
        else:
            past_rows.append(ins)
    may_write = services.may_write(user)
    return {"show": bool(rows) or may_write, "open_rows": open_rows, "past_rows": past_rows,
            "may_write": may_write, "write_form": WriteForm() if may_write else None, "answer_form": AnswerForm(),
            "target": obj, "target_type": obj._meta.label_lower, "target_id": obj.pk,
            "csrf_token": context.get("csrf_token")}
