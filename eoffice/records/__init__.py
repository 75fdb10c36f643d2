"""Records under Decree 30 Chapter IV: the file list, case files, hand-over to the agency archive, export."""
