"""Identity's pages: the second sign-in step, the Security page, re-authentication, policy."""
