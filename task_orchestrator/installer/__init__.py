"""The installer: detection, surgical config edits, backups, manifest, hook registration."""
