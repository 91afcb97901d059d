"""The tenant's commerce settings and posting rules."""

from typing import Any

from django.http import HttpRequest

from backoffice.commerce import posting, services
from backoffice.commerce.api._common import allowed, router
from backoffice.commerce.api.schemas import RuleIn, RuleOut, SettingsIO
from backoffice.tenancy.roles import Perm


@router.get("/settings", response=SettingsIO)
def get_settings(request: HttpRequest) -> Any:
    a = allowed(request, Perm.VIEW_COMMERCE)
    return services.get_settings(a.tenant)


@router.patch("/settings", response=SettingsIO)
def update_settings(request: HttpRequest, payload: SettingsIO) -> Any:
    a = allowed(request, Perm.MANAGE_COMMERCE)
    return services.update_settings(tenant=a.tenant, actor=a.user, **payload.model_dump())


def _rule_out(key: str, account_code: str) -> dict:
    return {
        "key": key,
        "account_code": account_code,
        "description": posting.DEFAULT_ACCOUNTS[key][1],
    }


@router.get("/posting-rules", response=list[RuleOut])
def list_rules(request: HttpRequest) -> list[dict]:
    a = allowed(request, Perm.VIEW_COMMERCE)
    return [_rule_out(k, code) for k, code in posting.rules(a.tenant).items()]


@router.put("/posting-rules/{key}", response=RuleOut)
def set_rule(request: HttpRequest, key: str, payload: RuleIn) -> dict:
    a = allowed(request, Perm.MANAGE_COMMERCE)
    services.set_posting_account(
        tenant=a.tenant, actor=a.user, key=key, account_code=payload.account_code
    )
    return _rule_out(key, payload.account_code)
