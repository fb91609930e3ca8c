"""The TOM Toolkit's default ``DATA_PROCESSORS`` paths (``tom_setup``'s settings), each our processor."""
