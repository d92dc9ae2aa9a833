# unasync: """The sync QIDO-RS I/O shell, generated from ``../_async/`` by codegen/unasync.py."""
"""The hand-written async QIDO-RS I/O shell; ``../_sync/`` is generated from it."""
