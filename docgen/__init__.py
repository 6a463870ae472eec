"""docgen: property-management documents from templates and data, as DOCX and PDF."""
__version__ = "0.1.0"
