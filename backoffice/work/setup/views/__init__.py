"""Set-up pages for provider admins and operations managers, one module per topic."""
