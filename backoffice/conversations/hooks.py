"""What other apps plug into conversations without conversations importing them.

* `message_posted` — a Django signal sent AFTER the posting transaction commits, with
  `sender` the model class (`Message` or `InternalNote`), `message` the row, `thread` its
  thread and `recipients` the people who should hear of it: the members who can see it
  (for a note, provider staff who may read notes), minus its author. The notifications
  app connects a receiver in its `AppConfig.ready()`.
* `register_subject(kind, resolve)` — how an app above (the portal's project requests)
  lets a thread on its subjects be checked and titled: `resolve(tenant_id, subject_id)`
  returns the thread's title, or None when there is no such subject in that tenant.
"""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import Signal

message_posted = Signal()

SubjectResolver = Callable[[int, int], str | None]
_resolvers: dict[str, SubjectResolver] = {}


def register_subject(kind: str, resolve: SubjectResolver) -> SubjectResolver:
    _resolvers[kind] = resolve
    return resolve


def subject_resolver(kind: str) -> SubjectResolver | None:
    return _resolvers.get(kind)
