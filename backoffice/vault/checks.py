"""Deploy checks of the vault (`manage.py check --deploy`, `backoffice check-deploy`)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register

from backoffice.vault.crypto import VaultError
from backoffice.vault.master import ENV_FILE, ENV_KEY, load_master_keys

DEV_KEY_TEXT = (
    "The vault uses the built-in development master key: confidential fields are not protected."
)


@register(Tags.security, deploy=True)
def master_key_check(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    try:
        masters = load_master_keys()
    except VaultError as exc:
        return [Warning(str(exc), hint=f"Fix {ENV_KEY} or {ENV_FILE}.", id="vault.W002")]
    if masters.is_dev:
        return [
            Warning(
                DEV_KEY_TEXT,
                hint=(
                    f"Set {ENV_KEY} (base64 of 32 random bytes, e.g. `openssl rand -base64 "
                    f"32`) or {ENV_FILE} (a file holding it), kept outside the database."
                ),
                id="vault.W001",
            )
        ]
    return []
