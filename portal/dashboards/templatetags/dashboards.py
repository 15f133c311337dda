from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def home_cards(context, slot: str) -> str:
    """The cards the apps declared for `slot` (see `portal.core.plugins.HomeCard`), each rendered with its own
    template and context on top of the page's, as `{% include %}` would."""
    parts = []
    for card, values in context.get("cards", {}).get(slot, ()):
        card_template = context.template.engine.get_template(card.template)
        with context.push(**values):
            parts.append(card_template.render(context))
    return mark_safe("".join(parts))  # noqa: S308  (rendered templates, escaped by the engine)
