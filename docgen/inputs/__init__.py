"""Reading data: YAML/JSON documents, CSV/XLSX tables, and the one parser for amounts, dates and periods."""
