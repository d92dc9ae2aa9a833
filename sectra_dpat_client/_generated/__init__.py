"""The generated code, installed inside this package so nothing else lands at the top of site-packages.

`dpat_api` (IA-API attrs models and httpx calls), `dicom_models` (DICOM JSON pydantic models) and
`dpat_spec` (the bundled specs) are produced into the repository's `generated/` folder by
`make generate` and never edited by hand; the entries here are symbolic links to them, which the wheel
build follows. Import models from `sectra_dpat_client.models`.
"""

__all__: list[str] = []
