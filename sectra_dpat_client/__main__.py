"""``python -m sectra_dpat_client``: the `sectra-dpat` command line."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    main(prog_name="sectra-dpat")
