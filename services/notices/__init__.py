"""Notices: what happened, told to whom it concerns, by the bell, e-mail and webhooks."""
