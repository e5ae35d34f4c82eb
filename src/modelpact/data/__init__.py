"""Reading tables, checking columns, and fingerprinting data content."""

from modelpact.data.fingerprint import fingerprint_frame
from modelpact.data.io import DataSource, load_frame, read_table, require_columns

__all__ = ["DataSource", "fingerprint_frame", "load_frame", "read_table", "require_columns"]
