"""The admin's side of console.policy: mixins that scope every page, form, filter and action
to the businesses the user reaches, with the role they hold there.

- ScopedAdmin: querysets (lists, search, date hierarchy, change, history and delete pages,
  autocomplete, raw-id pop-ups, bulk actions) hold only the user's businesses, so another
  business's object answers like a missing one; permissions come from the policy, not from
  Django's per-model permissions.
- ScopedInline: an inline may what its parent object's page may.
- Every form they build offers only the object's business's bots, tags, scenarios,
  contacts and members, and refuses a crafted value from elsewhere (SameBusiness).
- SuperuserOnly: the agency's own pages; agency_only() makes every other admin page that is
  not of one business (users, groups, Django Q, login lockouts) the agency's too, whatever
  Django permissions a member was given.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from accounts.models import Account
from console import policy
from console.policy import ADD, CHANGE, DELETE, VIEW


def _cache(request) -> dict:
    """Businesses already looked up for this request (a delete page asks for every row)."""
    if not hasattr(request, "_business_of"):
        request._business_of = {}
    return request._business_of


def _business_of(request, obj) -> set[int]:
    """The one business a form about `obj` may link to."""
    account = policy.account_of(obj, _cache(request))
    return set() if account is None else {account}


class ScopedRawIdWidget(ForeignKeyRawIdWidget):
    """Names the chosen object only when it is one the form offers: a crafted id from another
    business gets no label."""

    queryset: models.QuerySet | None = None

    def label_and_url_for_value(self, value):
        if self.queryset is not None:
            key = self.rel.get_related_field().name
            try:
                if not self.queryset.filter(**{key: value}).exists():
                    return "", ""
            except (ValueError, TypeError, ValidationError):
                return "", ""
        return super().label_and_url_for_value(value)


class SameBusiness(forms.BaseForm):
    """Mixed into the scoped admins' forms (see business_form): narrows every choice to
    `accounts` and checks that what is linked is of the object's own business."""

    agency = False
    accounts: set[int] | None = set()  # the businesses the form may link to

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        saved = instance is not None and instance.pk is not None
        for name, field in self.fields.items():
            if not isinstance(field, forms.ModelChoiceField) or field.queryset is None:
                continue
            model = field.queryset.model
            if model is Account:
                if saved:  # a bot, contact or tag stays in its business
                    field.disabled = True
                    field.queryset = Account.objects.filter(pk__in=[getattr(instance, f"{name}_id", None)])
                else:
                    field.queryset = policy.businesses(self.accounts)
                    only = list(field.queryset.values_list("pk", flat=True)[:2])
                    if len(only) == 1 and not self.initial.get(name):
                        self.initial[name] = only[0]
            elif policy.scoped(model):
                field.queryset = policy.scope(field.queryset, self.accounts)
            elif model is get_user_model():
                current = getattr(instance, f"{name}_id", None) if instance is not None else None
                # An earlier assignee stays a valid choice until changed.
                field.queryset = policy.assignable_users(self.agency, self.accounts, keep=current)
            if isinstance(field.widget, ScopedRawIdWidget):
                field.widget.queryset = field.queryset

    def clean(self):
        cleaned = super().clean()
        model = self._meta.model  # type: ignore[attr-defined]
        if not policy.scoped(model) or model is Account:
            return cleaned
        account = self._business(model)
        if account is None:
            return cleaned
        hop = policy.scope_of(model).path.split("__")[0]
        for name, field in self.fields.items():
            if name == hop or name not in self.changed_data or not isinstance(field, forms.ModelChoiceField):
                continue
            if field.queryset is None:
                continue
            value = self.cleaned_data.get(name)
            many = isinstance(field, forms.ModelMultipleChoiceField)
            values = [v for v in (list(value or ()) if many else [value]) if v is not None]
            related = field.queryset.model
            if policy.scoped(related):
                stray = [v for v in values if policy.account_of(v) != account]
                if stray:
                    self.add_error(name, f"“{stray[0]}” belongs to another business: choose one of this business’s.")
            elif related is get_user_model() and not self.agency:
                stray = [v for v in values if not policy.is_member(v, account)]
                if stray:
                    self.add_error(name, f"“{stray[0]}” is not a member of this business.")
        return cleaned

    def _business(self, model) -> int | None:
        """The object's business: its own account field, else through the relation its
        business is reached by (a contact's bot, a workflow action's workflow)."""
        hop = policy.scope_of(model).path.split("__")[0]
        if hop in self.fields:
            value = self.cleaned_data.get(hop)
        else:
            try:
                value = getattr(self.instance, hop)  # type: ignore[attr-defined]
            except models.ObjectDoesNotExist:
                value = None
        if value is None:
            return None
        return value.pk if isinstance(value, Account) else policy.account_of(value)


def business_form(form_class, request, accounts):
    return type(
        form_class.__name__,
        (SameBusiness, form_class),
        {"agency": policy.is_agency(request.user), "accounts": accounts, "__module__": __name__},
    )


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A list filter offering only the related objects of the user's businesses."""

    def field_choices(self, field, request, model_admin):
        related = field.related_model
        objects = policy.scope(
            related._default_manager.all(), policy.allowed(request.user, policy.area_of(related), VIEW)
        )
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            objects = objects.order_by(*ordering)
        return [(obj.pk, str(obj)) for obj in objects]


class ScopedAdmin(admin.ModelAdmin):
    """A model of one business: the policy's area of `model` decides, per business."""

    @property
    def area(self) -> str:
        return policy.area_of(self.model)

    def _may(self, request, action, obj=None) -> bool:
        if obj is None:
            return policy.may(request.user, self.area, action, anywhere=True)
        return policy.may(request.user, self.area, action, policy.account_of(obj, _cache(request)))

    def get_queryset(self, request):
        return policy.scope(super().get_queryset(request), policy.allowed(request.user, self.area, VIEW))

    def where_allowed(self, request, queryset, action):
        """For bulk actions: only the rows of businesses where the user may `action`."""
        return policy.scope(queryset, policy.allowed(request.user, self.area, action))

    def has_module_permission(self, request):
        return self._may(request, VIEW)

    def history_view(self, request, object_id, extra_context=None):
        # Django looks the object up first: without a business at all, refuse like the other pages.
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)

    def has_view_permission(self, request, obj=None):
        return self._may(request, VIEW, obj) or self._may(request, CHANGE, obj)

    def has_add_permission(self, request):
        return self._may(request, ADD)

    def has_change_permission(self, request, obj=None):
        return self._may(request, CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, DELETE, obj)

    def _business_column(self, request) -> str | None:
        """The business column's lookup, for whoever sees more than one business."""
        path = policy.scope_of(self.model).path
        reach = policy.allowed(request.user, self.area, VIEW)
        if path == "pk" or path in self.list_display or (reach is not policy.ALL and len(reach) < 2):
            return None
        return path

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        column = self._business_column(request)
        return (shown[0], column, *shown[1:]) if column else shown

    def get_list_select_related(self, request):
        chosen = super().get_list_select_related(request)
        column = self._business_column(request)
        if column and chosen is not True:
            return (*(chosen or ()), column)
        return chosen

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.raw_id_fields:
            kwargs["widget"] = ScopedRawIdWidget(db_field.remote_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if obj is not None:
            return business_form(form, request, _business_of(request, obj))
        return business_form(form, request, policy.allowed(request.user, self.area, ADD))


class ScopedInline(admin.options.InlineModelAdmin):
    """An inline of a scoped admin: it may what its parent's page may (its rows follow)."""

    def _may(self, request, action, obj=None) -> bool:
        area, user = policy.area_of(self.parent_model), request.user
        if obj is None:
            return policy.may(user, area, VIEW if action == VIEW else ADD, anywhere=True)
        account = policy.account_of(obj, _cache(request))
        if obj.pk is None:  # the parent is being added
            return policy.may(user, area, ADD, account)
        return policy.may(user, area, VIEW if action == VIEW else CHANGE, account)

    def has_view_permission(self, request, obj=None):
        return self._may(request, VIEW, obj) or self._may(request, CHANGE, obj)

    def has_add_permission(self, request, obj=None):
        return self._may(request, ADD, obj)

    def has_change_permission(self, request, obj=None):
        return self._may(request, CHANGE, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, DELETE, obj)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        accounts: set[int] | None
        if obj is not None:
            accounts = _business_of(request, obj)
        else:
            accounts = policy.allowed(request.user, policy.area_of(self.parent_model), ADD)
        formset.form = business_form(formset.form, request, accounts)
        return formset


class SuperuserOnly:
    """The agency's pages: shown to and used by active superusers only, and then only as far
    as the admin itself allows (Django Q's and axes' records are never added by hand)."""

    def has_module_permission(self, request):
        return policy.is_agency(request.user) and super().has_module_permission(request)  # type: ignore[misc]

    def has_view_permission(self, request, obj=None):
        return policy.is_agency(request.user) and super().has_view_permission(request, obj)  # type: ignore[misc]

    def has_add_permission(self, request, *args):
        return policy.is_agency(request.user) and super().has_add_permission(request, *args)  # type: ignore[misc]

    def has_change_permission(self, request, obj=None):
        return policy.is_agency(request.user) and super().has_change_permission(request, obj)  # type: ignore[misc]

    def has_delete_permission(self, request, obj=None):
        return policy.is_agency(request.user) and super().has_delete_permission(request, obj)  # type: ignore[misc]


def agency_only(site: admin.AdminSite) -> None:
    """Every registered admin whose model is not of one business becomes superuser-only: a
    Django permission given to a member (auth.change_user, say) must not open them. Run
    after every app's admin is registered (console is the last installed app)."""
    for model, model_admin in list(site._registry.items()):
        if policy.scoped(model) or isinstance(model_admin, SuperuserOnly):
            continue
        cls = type(model_admin)
        site.unregister(model)
        site.register(model, type(cls.__name__, (SuperuserOnly, cls), {"__module__": cls.__module__}))
