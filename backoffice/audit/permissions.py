"""The audit log's permission; `tenancy.roles` grants it to roles."""

VIEW_AUDIT = "audit.view"
