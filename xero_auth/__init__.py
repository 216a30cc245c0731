"""xero-auth: connect a Xero organisation once (authorization code with PKCE) for tap and target.

`scopes` derives the scopes to ask for, `flow` runs the consent and the token calls, `cli` is
the `xero-auth` command (login, status, revoke).
"""
