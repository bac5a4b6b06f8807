"""Dify DSL (YAML, ``kind: app``) import into Loom workflows; ``dify.importer.import_dsl`` is the entry."""
