"""API clients holding a business's API key, as an integration would."""

from rest_framework.test import APIClient

from accounts.models import Account, ApiKey


def issue_key(account: Account, name: str = "Integration") -> str:
    """A new live key of `account`: the key's text (what a client sends)."""
    return ApiKey.issue(account, name)[1]


def authorization(key: str) -> dict[str, str]:
    """The header a client sends with `key` (for django.test.Client, requests, schemathesis)."""
    return {"Authorization": f"Bearer {key}"}


def key_client(account: Account, name: str = "Integration") -> APIClient:
    """An APIClient sending a new key of `account` with every request; the key is
    `client.api_key_text`."""
    key = issue_key(account, name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    client.api_key_text = key  # type: ignore[attr-defined]
    return client
