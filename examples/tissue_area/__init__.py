"""Example DPAT image-analysis app: tissue area on a whole slide (see examples/README.md)."""
