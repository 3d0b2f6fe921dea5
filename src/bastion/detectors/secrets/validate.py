"""Live validation: ask the provider whether a detected credential works. Opt-in, network, separate.

Detection never depends on this step (osv-scalibr veles' split between detectors and validators). It
runs only when ``secret.validate: true`` is configured, the scan allows the network and the rule has
a validator here; otherwise findings say ``validation: "unverified"``. Each check is one read-only
request that identifies the caller (``/user``, ``auth.test``, ``whoami``) — nothing is created or
changed. Statuses: ``valid`` (the provider accepted it), ``invalid`` (rejected: 401/403 or the
provider's "invalid auth" answer), ``error`` (network failure, rate limit, unexpected answer).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Literal

import httpx

from bastion.detectors.base import Capability

__all__ = ["PROVIDERS", "LiveValidator", "Status"]

Status = Literal["valid", "invalid", "unverified", "error"]


@dataclass(frozen=True, slots=True)
class Check:
    base: str  # default base URL; overridable (tests, GitHub Enterprise, GitLab self-managed)
    method: str
    path: str
    headers: Callable[[str], dict[str, str]]
    #: Given the response, "valid"/"invalid", or None to fall back on the status code.
    judge: Callable[[httpx.Response], Status | None] | None = None
    auth_basic_user: bool = False


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _slack_judge(resp: httpx.Response) -> Status | None:
    try:
        doc = resp.json()
    except ValueError:
        return "error"
    if doc.get("ok") is True:
        return "valid"
    if doc.get("error") in ("invalid_auth", "not_authed", "account_inactive", "token_revoked"):
        return "invalid"
    return "error"


def _webhook_judge(resp: httpx.Response) -> Status | None:
    # An empty payload: a live hook answers 400 (no_text / invalid_payload), a dead one 403/404.
    if resp.status_code == 400:
        return "valid"
    if resp.status_code in (403, 404, 410):
        return "invalid"
    return "error"


_GITHUB = Check("https://api.github.com", "GET", "/user", lambda t: {"Authorization": f"token {t}"})

PROVIDERS: dict[str, Check] = {
    "github-pat": _GITHUB,
    "github-oauth-token": _GITHUB,
    "github-app-user-token": _GITHUB,
    "github-fine-grained-pat": _GITHUB,
    "gitlab-pat": Check("https://gitlab.com", "GET", "/api/v4/user", lambda t: {"PRIVATE-TOKEN": t}),
    "gitlab-pat-routable": Check("https://gitlab.com", "GET", "/api/v4/user", lambda t: {"PRIVATE-TOKEN": t}),
    "slack-bot-token": Check("https://slack.com", "POST", "/api/auth.test", _bearer, _slack_judge),
    "slack-user-token": Check("https://slack.com", "POST", "/api/auth.test", _bearer, _slack_judge),
    "slack-app-token": Check("https://slack.com", "POST", "/api/auth.test", _bearer, _slack_judge),
    "slack-webhook-url": Check("", "POST", "", lambda _t: {}, _webhook_judge),
    "stripe-secret-key": Check(
        "https://api.stripe.com", "GET", "/v1/balance", lambda _t: {}, auth_basic_user=True
    ),
    "stripe-restricted-key": Check(
        "https://api.stripe.com", "GET", "/v1/balance", lambda _t: {}, auth_basic_user=True
    ),
    "npm-access-token": Check("https://registry.npmjs.org", "GET", "/-/whoami", _bearer),
    "openai-api-key": Check("https://api.openai.com", "GET", "/v1/models", _bearer),
    "openai-project-key": Check("https://api.openai.com", "GET", "/v1/models", _bearer),
    "anthropic-api-key": Check(
        "https://api.anthropic.com",
        "GET",
        "/v1/models",
        lambda t: {"x-api-key": t, "anthropic-version": "2023-06-01"},
    ),
    "huggingface-access-token": Check("https://huggingface.co", "GET", "/api/whoami-v2", _bearer),
    "sendgrid-api-key": Check("https://api.sendgrid.com", "GET", "/v3/scopes", _bearer),
    "digitalocean-pat": Check("https://api.digitalocean.com", "GET", "/v2/account", _bearer),
    "digitalocean-oauth-token": Check("https://api.digitalocean.com", "GET", "/v2/account", _bearer),
    "datadog-api-key": Check(
        "https://api.datadoghq.com", "GET", "/api/v1/validate", lambda t: {"DD-API-KEY": t}
    ),
    "docker-hub-pat": Check("https://hub.docker.com", "GET", "/v2/access-tokens", _bearer),
}


class LiveValidator:
    """One validator per scan: caches answers by secret hash and caps the number of requests."""

    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.NETWORK})

    def __init__(
        self,
        *,
        timeout: float = 10.0,
        max_requests: int = 200,
        base_urls: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": "bastion-secret-validator"},
            transport=transport,
        )
        self._cache: dict[str, Status] = {}
        self._left = max_requests
        self._bases = dict(base_urls or {})

    def supports(self, rule_id: str) -> bool:
        return rule_id in PROVIDERS

    def check(self, rule_id: str, secret: str) -> Status:
        check = PROVIDERS.get(rule_id)
        if check is None:
            return "unverified"
        key = hashlib.sha256(f"{rule_id}\x00{secret}".encode()).hexdigest()
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        if self._left <= 0:
            return "unverified"
        self._left -= 1
        status = self._request(rule_id, check, secret)
        self._cache[key] = status
        return status

    def _request(self, rule_id: str, check: Check, secret: str) -> Status:
        base = self._bases.get(rule_id) or self._bases.get(check.base) or check.base
        url = secret if rule_id.endswith("webhook-url") else base.rstrip("/") + check.path
        if rule_id.endswith("webhook-url") and rule_id in self._bases:
            url = self._bases[rule_id].rstrip("/") + "/" + secret.split("/", 3)[-1]
        try:
            resp = self._client.request(
                check.method,
                url,
                headers=check.headers(secret),
                auth=(secret, "") if check.auth_basic_user else None,
                content=b"" if check.method == "POST" else None,
            )
        except httpx.HTTPError:
            return "error"
        if check.judge is not None:
            judged = check.judge(resp)
            if judged is not None:
                return judged
        if 200 <= resp.status_code < 300:
            return "valid"
        if resp.status_code in (401, 403):
            return "invalid"
        return "error"

    def close(self) -> None:
        self._client.close()
