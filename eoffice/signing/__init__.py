"""Digital signatures on PDF (PAdES): key stores, the demo certification authority, signing, validation."""
