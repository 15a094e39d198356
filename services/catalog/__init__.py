"""The catalog: every base and custom model, synced from the providers, enabled and disabled by admins."""
