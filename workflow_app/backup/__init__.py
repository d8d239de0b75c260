"""Backups: one archive with the database, the uploaded files and a manifest of checksums."""
