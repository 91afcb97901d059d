"""What the layers below tenancy may know of the acting user: the `Access` protocol.

`tenancy.selectors.TenantAccess` is the one implementation. Audit and the API plumbing sit
below tenancy, so they type the caller by this protocol instead of importing tenancy.
"""

from typing import Any, Protocol


class Access(Protocol):
    @property
    def tenant(self) -> Any: ...

    @property
    def user(self) -> Any: ...

    @property
    def role(self) -> str: ...

    def can(self, perm: str) -> bool: ...

    def require(self, perm: str) -> None: ...
