"""Core of sectra_dpat_client: what every client family shares, free of endpoint knowledge."""
