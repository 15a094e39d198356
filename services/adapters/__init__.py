"""One small adapter per outside system. Only services.bootstrap chooses which."""
