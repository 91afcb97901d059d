"""The Delivery pages: a client's exports and webhooks (`index`), an export's download,
adding an endpoint (its secret shown once), an endpoint's settings, secret rotation and
delivery log with redelivery. Every rule is the services'; refusals come back in words
beside the fields, with what was typed kept."""

from backoffice.delivery.views.exports import export_download, export_new, index
from backoffice.delivery.views.webhooks import endpoint, endpoint_new, endpoint_rotate, redeliver

__all__ = [
    "endpoint",
    "endpoint_new",
    "endpoint_rotate",
    "export_download",
    "export_new",
    "index",
    "redeliver",
]
