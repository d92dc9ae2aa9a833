"""The hand-written async IA-API client; ``../_sync`` is generated from it by ``codegen/unasync.py``."""
