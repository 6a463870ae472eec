"""The one face of the library: the functions the CLI, the web desk, the HTTP API and the tests call.

Split by what they serve — documents and runs, the register, rendering from the register, the web desk —
and gathered here, so a face imports ``docgen.api`` and never an internal module."""
from __future__ import annotations

from ..overrides import apply_overrides, parse_sets
from .desk import (data_errors, error_field, ledger_check, list_templates, page_png, profile_info, table_check,
                   table_size, template_info)
from .documents import batch, check_files, dunning, first_page_png, render_bytes, render_one, render_samples
from .ladder import LEVEL_DIRS, dunning_escalate, register_reprint
from .registry import (EXPORT_HEADERS, STATUS_NAMES, number_pattern_of, open_register, register_delivered,
                       register_documents, register_export, register_finish, register_show, register_store,
                       register_void)

__all__ = ["apply_overrides", "parse_sets", "data_errors", "error_field", "ledger_check", "list_templates",
           "page_png", "profile_info", "table_check", "table_size", "template_info", "batch", "check_files", "dunning", "first_page_png",
           "render_bytes", "render_one", "render_samples", "LEVEL_DIRS", "dunning_escalate", "register_reprint",
           "EXPORT_HEADERS", "STATUS_NAMES", "number_pattern_of", "open_register", "register_delivered",
           "register_documents", "register_export", "register_finish", "register_show", "register_store",
           "register_void"]
