"""Who may do what: identity, sign-in, API tokens and their scopes, the audit trail."""
