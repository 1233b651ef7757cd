"""Businesses, their members and their API keys."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from accounts import keys
from accounts.models import Account, ApiKey, Membership
from console.admin.access import ScopedAdmin, ScopedRelatedFilter, SuperuserOnly
from console.display import when
from console.policy import REVOKE


class MembershipInline(SuperuserOnly, admin.TabularInline):
    """Who works for the business, and as what: set by the agency only."""

    model = Membership
    fields = ("user", "role")
    extra = 0


@admin.register(Account)
class AccountAdmin(ScopedAdmin):
    """The agency adds, deletes and staffs businesses; an owner renames theirs; an agent sees it."""

    list_display = ("name", "created")
    search_fields = ("name",)
    fields = ("name",)

    @admin.display(description="Created (UTC)", ordering="created_at")
    def created(self, obj):
        return when(obj.created_at)  # a business has no time zone of its own: UTC, named

    inlines = (MembershipInline,)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not Membership:
            return
        added = [*formset.new_objects, *(membership for membership, _ in formset.changed_objects)]
        for membership in added:
            user = membership.user
            if user.is_staff:
                continue
            user.is_staff = True  # or they could not sign in to see the business
            user.save(update_fields=["is_staff"])
            password = "" if user.has_usable_password() else " Give them a password under Users first."
            self.message_user(
                request, f"{user} is now staff, so they can sign in to the admin.{password}", messages.INFO
            )


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedAdmin):
    """An owner names a key for one of their businesses; the key is shown once, on the page
    after saving, and only its digest is kept. Keys are revoked, never edited."""

    list_display = ("name", "account", "shown_prefix", "created", "created_by", "last_used", "revoked")
    list_filter = (("account", ScopedRelatedFilter),)
    list_select_related = ("account", "created_by")
    search_fields = ("name", "prefix")
    readonly_fields = ("shown_prefix", "created", "created_by", "last_used", "revoked")
    actions = ("revoke",)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("account", "name")
        return ("name", "account", "shown_prefix", "created", "created_by", "last_used", "revoked")

    # A key is the business's, of no bot: its times in UTC, named (console/display.py).
    @admin.display(description="Created (UTC)", ordering="created_at")
    def created(self, obj):
        return when(obj.created_at)

    @admin.display(description="Last used (UTC)", ordering="last_used_at")
    def last_used(self, obj):
        return when(obj.last_used_at, empty="never")

    @admin.display(description="Revoked (UTC)", ordering="revoked_at")
    def revoked(self, obj):
        return when(obj.revoked_at, empty="")

    @admin.display(description="Key", ordering="prefix")
    def shown_prefix(self, obj):
        return f"{keys.SCHEME}_{obj.prefix}_…"

    def has_change_permission(self, request, obj=None):
        return False  # a key's page is read-only: revoke it and make another

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # keys are revoked, and stay listed with their last use
        return actions

    def has_revoke_permission(self, request):
        return self._may(request, REVOKE)

    @admin.action(description="Revoke selected keys", permissions=["revoke"])
    def revoke(self, request, queryset):
        live = self.where_allowed(request, queryset, REVOKE).filter(revoked_at__isnull=True)
        count = live.update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} key(s); they stop working now.", messages.SUCCESS)

    def save_form(self, request, form, change):
        draft = super().save_form(request, form, change)
        if change:
            return draft
        api_key, request._new_api_key = ApiKey.issue(draft.account, draft.name, created_by=request.user)
        return api_key

    def save_model(self, request, obj, form, change):
        if change:  # a new key was saved by ApiKey.issue, in save_form
            super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        # The key goes into this page only: not into a message, the session or a redirect.
        context = {
            **self.admin_site.each_context(request),
            "title": "Copy the new API key",
            "opts": self.opts,
            "api_key": obj,
            "key": request.__dict__.pop("_new_api_key"),
            "list_url": reverse("admin:accounts_apikey_changelist"),
            "add_url": reverse("admin:accounts_apikey_add"),
        }
        response = TemplateResponse(request, "console/api_key_created.html", context)
        add_never_cache_headers(response)  # Cache-Control: ... no-store ...
        return response
