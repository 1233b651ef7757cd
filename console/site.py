"""The admin site as the owner's console: the product's name in the header, and the index
grouped the way an owner works (conversations, setup, business) rather than by Django app,
with the console's own pages (Results) in their group.

Installed as Django's default admin site (ConsoleAdminConfig, in INSTALLED_APPS instead of
django.contrib.admin), so every
`admin.site` registration lands here. Which models a user sees is decided elsewhere
(console/policy.py, through each ModelAdmin's permissions); this only arranges them. An
app's own index page (/admin/conversations/) stays as Django builds it.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse

PRODUCT = "Auto Follow-Up"

# The index's groups, in order: (name, slug, models in order). Models of no group (the
# agency's: users, Django Q, login lockouts, sending numbers) follow in their own apps.
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Conversations",
        "work",
        ("conversations.conversation", "conversations.contact", "scheduling.followup", "scheduling.engineevent"),
    ),
    ("Setup", "setup", ("bots.bot", "workflows.workflow", "conversations.tag")),
    ("Business", "business", ("accounts.account", "accounts.apikey")),
)


class ConsoleSite(admin.AdminSite):
    site_header = PRODUCT
    site_title = PRODUCT
    index_title = "Console"
    site_url = None  # no public site to "view": the console is the product's face

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        return with_pages(grouped(apps), request)


def grouped(apps: list[dict]) -> list[dict]:
    """Django's app list regrouped by GROUPS (a group without a visible model is left out);
    the models no group names stay in their apps, after the groups."""
    found = {}
    for app in apps:
        for model in app["models"]:
            found[model["model"]._meta.label_lower] = model
    result = []
    placed: set[str] = set()
    for name, slug, labels in GROUPS:
        models = [found[label] for label in labels if label in found]
        placed.update(label for label in labels if label in found)
        if models:
            result.append({"name": name, "app_label": slug, "app_url": "", "has_module_perms": True, "models": models})
    for app in apps:
        rest = [m for m in app["models"] if m["model"]._meta.label_lower not in placed]
        if rest:
            result.append({**app, "models": rest})
    return result


def with_pages(groups: list[dict], request) -> list[dict]:
    """The console's own pages in their group, after its models (as "links": a page is no
    model, and the app list's "models" stay models): Results, for whoever may see a
    business's history, in the Conversations group."""
    from console import policy  # this module is imported before the models are ready

    if not policy.may(request.user, "history", policy.VIEW, anywhere=True):
        return groups
    for group in groups:
        if group["app_label"] == "work":
            group["links"] = [
                *group.get("links", []),
                {"name": "Results", "url": reverse("results"), "slug": "results"},
            ]
    return groups


class ConsoleAdminConfig(AdminConfig):
    """django.contrib.admin, with ConsoleSite as `admin.site`."""

    default_site = "console.site.ConsoleSite"
