"""The client portal: project requests and quotes (projects/), the client dashboard."""

from backoffice.portal.dashboard.urls import urlpatterns as dashboard_urls
from backoffice.portal.projects.urls import urlpatterns as projects_urls

app_name = "portal"
urlpatterns = [*projects_urls, *dashboard_urls]
