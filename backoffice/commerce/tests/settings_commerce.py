"""Private settings until the lead registers the app; harmless once it is registered."""

from backoffice.settings import *  # noqa: F403
from backoffice.settings import INSTALLED_APPS

if "backoffice.commerce" not in INSTALLED_APPS:
    INSTALLED_APPS = [*INSTALLED_APPS, "backoffice.commerce"]
ROOT_URLCONF = "backoffice.commerce.tests.urls_commerce"
