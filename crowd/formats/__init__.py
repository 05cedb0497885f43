"""Date formats that replace Django's for some languages (FORMAT_MODULE_PATH)."""
