"""The scenario form: custom texts typed one per line, and the spammy-cadence warning."""

from django import forms
from django.core.exceptions import ValidationError

from bots.models import Scenario
from rules.cadence import CadenceError, parse_cadence, spam_warning
from rules.texts import PlaceholderError, check_placeholders
from vocabulary import ScenarioKind
from workflows.models import Workflow

ACCEPT_LABEL = "I accept this cadence"


def texts_from_lines(text: str) -> list[str]:
    """One line, one step's text; blank lines are nobody's step."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def line_errors(text: str) -> list[str]:
    """Every bad placeholder, named by its line as the owner sees it (blank lines count)."""
    errors = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        try:
            check_placeholders(line.strip())
        except PlaceholderError as exc:
            errors.append(f"Line {number}: {exc}")
    return errors


class CustomTextsField(forms.CharField):
    """The scenario's list of texts, edited as a textarea with one text per line."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 80})

    def __init__(self, **kwargs):
        super().__init__(strip=False, required=False, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(str(text) for text in value)
        return "" if value is None else str(value)  # posted text, or a stored value that isn't a list

    def to_python(self, value):
        return value if isinstance(value, list) else texts_from_lines(value)

    def has_changed(self, initial, data):
        if initial is not None and not isinstance(initial, list):
            return True  # saved as the list it should have been
        return texts_from_lines(self.prepare_value(initial)) != self.to_python(data)

    def clean(self, value):
        errors = line_errors(value if isinstance(value, str) else "")
        if errors:
            raise ValidationError(errors, code="placeholder")
        return self.to_python(value)


def choices(form: forms.BaseForm, name: str) -> forms.ModelMultipleChoiceField:
    """A form's model multiple-choice field, to narrow its queryset."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelMultipleChoiceField)
    return field


class ScenarioForm(forms.ModelForm):
    custom_messages = CustomTextsField(
        label="Custom texts",
        help_text="One text per line: line 1 is step 1's text, line 2 step 2's, and so on; the last line "
        "serves the steps beyond, so a single line serves every step. Blank lines are ignored. "
        "Placeholders: {first_name} (“there” when unknown), {business_name}, {booking_link}.",
    )
    workflows = forms.ModelMultipleChoiceField(
        queryset=Workflow.objects.none(),
        required=False,
        help_text="Run whenever a follow-up of this scenario is sent (this bot's workflows only).",
    )
    # Shown (as a checkbox) only when the cadence gets the spam warning.
    accept_cadence = forms.BooleanField(label=ACCEPT_LABEL, required=False, widget=forms.HiddenInput)

    class Meta:
        model = Scenario
        fields = ("enabled", "cadence", "use_custom_message", "custom_messages")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A scenario may only run its own bot's workflows (WorkflowForm says so too). The link
        # is stored on the workflow (workflows sit above bots); it is edited here too.
        if self.instance.bot_id:
            choices(self, "workflows").queryset = Workflow.objects.filter(bot_id=self.instance.bot_id)
        if self.instance.pk:
            self.initial["workflows"] = list(self.instance.workflows.values_list("pk", flat=True))

    def save(self, commit=True):
        scenario = super().save(commit)
        # Scenarios exist from their bot's creation on, so the links can be set even before
        # the inline formset saves the scenario itself.
        if scenario.pk and "workflows" in self.cleaned_data:
            scenario.workflows.set(self.cleaned_data["workflows"])
        return scenario

    def clean_custom_messages(self):
        texts = self.cleaned_data["custom_messages"]
        field = self.fields["custom_messages"]
        initial = self.get_initial_for_field(field, "custom_messages")
        if isinstance(initial, list) and texts_from_lines(field.prepare_value(initial)) == texts:
            return initial  # untouched: a text written before v2 keeps its line breaks
        return texts

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        warning = self._spam_warning(cleaned)
        if warning and not cleaned.get("accept_cadence"):
            self.fields["accept_cadence"].widget = forms.CheckboxInput()
            self.add_error("cadence", f"{warning} To send it anyway, tick “{ACCEPT_LABEL}” and save again.")
        return cleaned

    def _spam_warning(self, cleaned) -> str | None:
        # Asked once, when a spammy cadence is typed or its scenario switched on, not on every save.
        if not cleaned.get("enabled") or not {"cadence", "enabled"} & set(self.changed_data):
            return None
        kind = self.instance.kind
        try:
            delays = parse_cadence(cleaned.get("cadence", ""), allow_empty=kind == ScenarioKind.SPECIFIC_TIME)
        except CadenceError:
            return None  # Scenario.clean puts the reason on the field
        return spam_warning(kind, delays)


class WorkflowForm(forms.ModelForm):
    class Meta:
        model = Workflow
        fields = ("bot", "name", "scenarios")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.bot_id and "scenarios" in self.fields:
            choices(self, "scenarios").queryset = Scenario.objects.filter(bot_id=self.instance.bot_id)

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        bot, scenarios = cleaned.get("bot"), cleaned.get("scenarios") or ()
        if bot is not None and any(s.bot_id != bot.pk for s in scenarios):
            self.add_error("scenarios", "Choose scenarios of this workflow's bot.")
        return cleaned
