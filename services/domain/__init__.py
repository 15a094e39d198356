"""Types and pure rules every area shares: the vocabulary of models, their status and the rules of what may be
done, names, text, errors, the one S3 URI rule, the one CSV writer."""
