"""The console's forms: the scenario form (custom texts typed one per line, the spammy-cadence
warning), the workflow form, phone numbers in E.164, and the bot's working-hours presets."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from bots.hours import HOURS_CHOICES
from bots.models import Scenario
from bots.numbers import (
    EXAMPLE,
    PhoneNumberError,
    default_region,
    normalize_sms_sender,
    normalize_whatsapp_sender,
    parse_phone,
    region_name,
)
from conversations.models import Contact
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


# --- Phone numbers: typed in any usual spelling, stored in E.164 (bots.numbers) ----------


def phone_help(field: forms.Field, what: str) -> None:
    field.help_text = (
        f"{what} Type it in any usual way, with its country code ({EXAMPLE}) or, for a number of "
        f"{region_name(default_region())}, without it, like (312) 555-0199; it is stored as +13125550199."
    )


class ContactForm(forms.ModelForm):
    """A contact's phone number, typed in any usual way, stored in E.164: the number the
    contact writes from and the API finds them by."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "phone" in self.fields:
            phone_help(self.fields["phone"], "The contact's mobile number.")

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        if not value:
            return value
        try:
            return parse_phone(value)
        except PhoneNumberError as exc:
            raise ValidationError(str(exc), code="invalid_phone") from None

    def clean(self):
        cleaned = super().clean() or self.cleaned_data
        phone, account = cleaned.get("phone"), cleaned.get("account") or getattr(self.instance, "account", None)
        bot = cleaned.get("bot")
        account_id = account.pk if account is not None else (bot.account_id if bot is not None else None)
        if phone and account_id is not None:
            other = Contact.objects.filter(account_id=account_id, phone=phone).exclude(pk=self.instance.pk).first()
            if other is not None:
                self.add_error("phone", f"{phone} is already the number of another contact of this business: {other}.")
        return cleaned


class OptOutForm(forms.ModelForm):
    """An opt-out recorded in the console: said now (asked for by phone, say)."""

    def save(self, commit=True):
        if self.instance.at is None:
            self.instance.at = timezone.now()
        return super().save(commit)


# --- The bot's page: sender numbers, and working hours filled from a preset ------------


class BotForm(forms.ModelForm):
    """Sender numbers typed in any usual way (stored in E.164, a short code as it is), and
    "Fill working hours from": a preset, or Monday's windows copied to the other weekdays,
    replacing the windows below when the bot is saved (console.admin.bots.BotAdmin)."""

    hours_preset = forms.ChoiceField(
        label="Fill working hours from",
        required=False,
        choices=[("", "— keep the windows below —"), *HOURS_CHOICES],
        help_text="Replaces the working hours below when you save: with a preset, or with Monday's "
        "windows copied to Tuesday to Friday (as Monday is after this save).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "sms_from" in self.fields:
            self.fields["sms_from"].help_text = (
                f"A number in any usual spelling ({EXAMPLE}; without its country code for "
                f"{region_name(default_region())}), stored in E.164, or a 5-6 digit short code; "
                "empty uses the TWILIO_SMS_FROM setting."
            )
        if "whatsapp_from" in self.fields:
            self.fields["whatsapp_from"].help_text = (
                f"A number in any usual spelling ({EXAMPLE}), stored in E.164; "
                "empty uses the TWILIO_WHATSAPP_FROM setting."
            )

    def clean_sms_from(self):
        return normalize_sms_sender(self.cleaned_data.get("sms_from", ""))

    def clean_whatsapp_from(self):
        return normalize_whatsapp_sender(self.cleaned_data.get("whatsapp_from", ""))
