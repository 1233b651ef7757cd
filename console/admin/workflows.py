"""Workflows: what a sent follow-up triggers. Never another bot."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from console.admin.access import ScopedAdmin, ScopedInline, ScopedRelatedFilter
from console.admin.bots import HTTPS_URLS
from console.forms import WorkflowForm
from workflows.models import BOT_ACTION_NAMES, NO_BOT_ACTIONS, Workflow, WorkflowAction


class ActionKindField(forms.ChoiceField):
    """Names a bot action with the real reason, before the generic "Select a valid choice"."""

    def validate(self, value):
        if value in BOT_ACTION_NAMES or "bot" in (value or "").lower():
            raise ValidationError(NO_BOT_ACTIONS, code="no_bot_actions")
        super().validate(value)


class WorkflowActionForm(forms.ModelForm):
    # No Meta: the inline supplies model and fields, and its formfield_overrides apply.
    kind = ActionKindField(choices=[("", "---------"), *WorkflowAction.Kind.choices])


class WorkflowActionInline(ScopedInline, admin.TabularInline):
    model = WorkflowAction
    form = WorkflowActionForm
    formfield_overrides = HTTPS_URLS
    extra = 0


@admin.register(Workflow)
class WorkflowAdmin(ScopedAdmin):
    form = WorkflowForm
    list_display = ("name", "bot")
    list_filter = (("bot", ScopedRelatedFilter),)
    search_fields = ("name",)
    list_select_related = ("bot",)
    inlines = (WorkflowActionInline,)
