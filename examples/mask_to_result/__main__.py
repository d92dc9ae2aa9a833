"""Example: a label mask (as a model would give it) -> a DPAT result, sent to the simulator and read back.

Run: ``python -m examples.mask_to_result`` (needs the ``[geo]`` extra).
"""

from __future__ import annotations

import numpy as np

from sectra_dpat_client.ai import DPATAIClient
from sectra_dpat_client.geometry import from_mask, to_mask, to_result
from sectra_dpat_client.simulator import DPATSimulator
from sectra_dpat_client.wsi.deepzoom import DeepZoomGeometry


def main() -> None:
    """Segment (here: draw) two classes at a coarse level, send them, read them back as a mask."""
    with (
        DPATSimulator(slides=1) as simulator,
        DPATAIClient(simulator.url, token=simulator.token, app_id=simulator.app_id) as client,
    ):
        slide_id = simulator.slide_ids[0]
        info = client.get_image_info(slide_id)
        level = DeepZoomGeometry.from_image_info(info).top_level - 4  # 1/16 of full resolution
        mask = np.zeros((300, 400), dtype=np.uint8)
        mask[20:120, 30:200] = 1  # tumour, with a hole
        mask[50:70, 60:90] = 0
        mask[150:290, 210:390] = 2  # stroma
        content = from_mask(info, mask, level=level, classes={1: "Tumor", 2: "Stroma"}, min_area=4)
        stored = client.create_results(to_result(slide_id, content, display_result="2 regions"))
        back = to_mask(info, client.get_results(stored.id), level=level)[:300, :400]
        polygons = sum(len(c.polygons) for c in content)
        print(f"result {stored.id}: {polygons} polygons, mask identical: {(back == (mask > 0)).all()}")


if __name__ == "__main__":
    main()
