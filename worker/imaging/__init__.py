"""Image work with Pillow, no Django: derivatives, hashes. Ingest (issue: image batches) grows here."""
