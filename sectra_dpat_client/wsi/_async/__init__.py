"""The I/O loops of `sectra_dpat_client.wsi`, written once as async; ``_sync`` holds their generated twins."""
