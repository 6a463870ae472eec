"""The template library: folders and the search path, field schemas, lint and scaffolding."""
