"""The engine: template bodies through sandboxed Jinja, filters, markup, scripts, Word templates."""
