"""Training data checked as strictly as Bedrock checks it: record by record, with a compiled fast path, warnings,
diagnoses of the wrong format and its conversion, templates."""
