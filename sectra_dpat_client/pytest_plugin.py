"""pytest plugin (entry point ``pytest11``): the ``dpat_simulator`` fixture for users' tests.

``dpat_simulator`` is a started `DPATSimulator` on 127.0.0.1, fresh for each test. Configure it with
the ``dpat_simulator`` marker, whose keyword arguments go to the constructor::

    @pytest.mark.dpat_simulator(slides=5, api_version="1.9")
    def test_my_app(dpat_simulator):
        ...

``app=`` takes the `AnalysisApp` under test: the simulator then uses its ``application_id`` (DPAT
addresses every invocation to one application id, and an app refuses invocations for another)::

    @pytest.mark.dpat_simulator(app=app)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .simulator import DPATSimulator

__all__ = ["dpat_simulator", "pytest_configure"]


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``dpat_simulator`` marker."""
    config.addinivalue_line(
        "markers",
        "dpat_simulator(app=None, **kwargs): keyword arguments for the DPATSimulator of the dpat_simulator fixture; "
        "app= an AnalysisApp whose application_id the simulator uses",
    )


@pytest.fixture
def dpat_simulator(request: pytest.FixtureRequest) -> Iterator[DPATSimulator]:
    """A fresh DPAT simulator serving on 127.0.0.1 for the duration of one test."""
    from .simulator import DPATSimulator  # imported late: loading the plugin must stay cheap

    marker = request.node.get_closest_marker("dpat_simulator")
    if marker is not None and marker.args:
        raise TypeError("the dpat_simulator marker takes keyword arguments only")
    kwargs = dict(marker.kwargs) if marker is not None else {}
    app = kwargs.pop("app", None)
    if app is not None:
        app_id = getattr(app, "application_id", None)
        if not isinstance(app_id, str) or not app_id:
            raise TypeError("the dpat_simulator marker's app= must be an AnalysisApp (it has no application_id)")
        if kwargs.setdefault("app_id", app_id) != app_id:
            raise TypeError(f"the dpat_simulator marker got app_id={kwargs['app_id']!r} and an app with {app_id!r}")
    with DPATSimulator(**kwargs) as simulator:
        yield simulator
