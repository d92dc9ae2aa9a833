"""A faithful fake Sectra DPAT server for demos and tests: the IA-API over real HTTP on loopback.

`DPATSimulator` runs it under uvicorn in a background thread; `SimulatorApp` is the bare ASGI app
(for in-process tests such as schemathesis). See `faults` for fault injection and the request log.
"""

from __future__ import annotations

from .app import BASE_PATH, SUPPORTED_API_VERSIONS, SimulatorApp, SimulatorConfig
from .driver import AppDriver
from .faults import Fault, FaultKind, FaultPlan, RequestLog, RequestRecord
from .server import DEFAULT_APP_ID, DPATSimulator
from .store import SimulatorStore, Slide, SlideFile, default_dicom_files, single_file

__all__ = [
    "BASE_PATH",
    "DEFAULT_APP_ID",
    "SUPPORTED_API_VERSIONS",
    "AppDriver",
    "DPATSimulator",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "RequestLog",
    "RequestRecord",
    "SimulatorApp",
    "SimulatorConfig",
    "SimulatorStore",
    "Slide",
    "SlideFile",
    "default_dicom_files",
    "single_file",
]
