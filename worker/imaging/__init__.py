"""Image work with Pillow, no Django: derivatives, hashes. Ingest checks, orientation, derivatives and IIIF tiles."""
