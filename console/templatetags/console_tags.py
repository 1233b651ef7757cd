"""Template helpers of the console's admin templates."""

import re

from django import template
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

register = template.Library()

CELL = re.compile(r"\A\s*<(td|th)\b")


@register.simple_tag
def labelled_cell(cell, headers, index):
    """A changelist's cell (Django's rendered <td> or <th>) with its column's header as
    data-label: what the stacked layout of a narrow screen shows beside the value."""
    header = headers[index] if 0 <= index < len(headers) else None
    text = " ".join(strip_tags(str(header["text"])).split()) if header else ""
    if not text:
        return cell
    return mark_safe(CELL.sub(lambda m: f'<{m.group(1)} data-label="{escape(text)}"', str(cell), count=1))
