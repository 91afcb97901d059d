"""Setting up the work engine in the UI: service types, engagements, calendars, queues."""
