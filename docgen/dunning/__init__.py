"""Dunning: an arrears ledger (CSV/XLSX) read per unit → one letter per unit, the public list, the manifest."""
from __future__ import annotations

from .ledger import Charge, Ledger, Unit, delivery_order, fold, map_columns, read_ledger
from .public_list import PUBLIC_LIST, write_public_list
from .run import LEVEL_PREFIX, LEVEL_TEMPLATES, dunning, dunning_template

__all__ = ["Charge", "Ledger", "Unit", "delivery_order", "fold", "map_columns", "read_ledger", "PUBLIC_LIST",
           "write_public_list", "LEVEL_PREFIX", "LEVEL_TEMPLATES", "dunning", "dunning_template"]
