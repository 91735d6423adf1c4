"""Make ``sim/data/outlines.json``: country outlines around Libya for the map figure.

What it downloads: the geopandas 0.14.4 wheel from PyPI (``pip download geopandas==0.14.4 --no-deps``), only
to read the Natural Earth shapefile it ships in ``geopandas/datasets/naturalearth_lowres/``. The shapefile is
read with pyshp, which must be importable (it is not a project dependency; install it somewhere throwaway,
e.g. ``pip install --target /tmp/pyshp pyshp`` and run with ``PYTHONPATH=/tmp/pyshp``).

Source: Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries (``ne_110m_admin_0_countries``), as
shipped in the geopandas 0.14.4 wheel. Licence: public domain (Natural Earth terms of use,
https://www.naturalearthdata.com/about/terms-of-use/). geopandas itself is BSD-3-Clause; only the data is
used.

Every polygon (a country's part, with its holes) whose bounding box intersects the region box (default lon
5-30 E, lat 15-38 N, which covers lon 8-27 E, lat 18-35 N with a margin) is kept whole; coordinates are
rounded to 3 decimals (about 100 m, far below the 1:110m data's accuracy).

Usage::

    PYTHONPATH=/tmp/pyshp python tools/make_outlines.py [--wheel-dir /tmp/gpd] [--out sim/data/outlines.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

GEOPANDAS_VERSION = "0.14.4"
SHAPEFILE = "geopandas/datasets/naturalearth_lowres/naturalearth_lowres"
SOURCE = (
    "Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries (ne_110m_admin_0_countries), "
    f"as shipped in the geopandas {GEOPANDAS_VERSION} wheel (geopandas/datasets/naturalearth_lowres/)"
)
LICENCE = "public domain (Natural Earth, https://www.naturalearthdata.com/about/terms-of-use/)"
ROOT = Path(__file__).resolve().parents[1]


def fetch_wheel(wheel_dir: Path) -> Path:
    """Download the geopandas wheel into ``wheel_dir`` (no dependencies) unless it is already there.

    Args:
        wheel_dir: folder for the wheel.

    Returns:
        The wheel's path.
    """
    pattern = f"geopandas-{GEOPANDAS_VERSION}-*.whl"
    found = sorted(wheel_dir.glob(pattern))
    if not found:
        wheel_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", f"geopandas=={GEOPANDAS_VERSION}", "--no-deps"]
        subprocess.run([*cmd, "-d", str(wheel_dir)], check=True)
        found = sorted(wheel_dir.glob(pattern))
    if not found:
        raise SystemExit(f"no {pattern} in {wheel_dir}")
    return found[0]


def _intersects(bbox: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    """Whether two (lon_min, lat_min, lon_max, lat_max) boxes overlap."""
    return bbox[0] <= box[2] and bbox[2] >= box[0] and bbox[1] <= box[3] and bbox[3] >= box[1]


def _ring_bbox(ring: list[list[float]]) -> tuple[float, float, float, float]:
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def extract(wheel: Path, box: tuple[float, float, float, float], digits: int = 3) -> dict[str, Any]:
    """Read the shapefile from the wheel and keep the polygons intersecting ``box``.

    Args:
        wheel: the geopandas wheel.
        box: (lon_min, lat_min, lon_max, lat_max) in degrees.
        digits: decimals kept in the coordinates.

    Returns:
        The JSON-ready document.
    """
    import shapefile  # pyshp; see the module docstring

    countries = []
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(wheel) as zf:
            for ext in ("shp", "shx", "dbf", "prj", "cpg"):
                zf.extract(f"{SHAPEFILE}.{ext}", tmp)
        with shapefile.Reader(str(Path(tmp) / SHAPEFILE)) as reader:
            for sr in reader.iterShapeRecords():
                geo = sr.shape.__geo_interface__
                polys = [geo["coordinates"]] if geo["type"] == "Polygon" else list(geo["coordinates"])
                kept = []
                for poly in polys:
                    rings = [[[round(x, digits), round(y, digits)] for x, y in ring] for ring in poly]
                    if _intersects(_ring_bbox(rings[0]), box):
                        kept.append(rings)
                if kept:
                    rec = sr.record.as_dict()
                    countries.append({"name": rec["name"], "iso_a3": rec["iso_a3"], "polygons": kept})
    countries.sort(key=lambda c: c["name"])
    return {
        "source": SOURCE,
        "licence": LICENCE,
        "made_by": "tools/make_outlines.py",
        "crs": "WGS84 (EPSG:4326), coordinates [lon, lat] in decimal degrees",
        "region": {"lon_min": box[0], "lat_min": box[1], "lon_max": box[2], "lat_max": box[3]},
        "note": "polygons: a list of polygons, each a list of rings [[lon, lat], ...] (exterior, then holes)",
        "countries": countries,
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel-dir", type=Path, default=Path(tempfile.gettempdir()) / "gpd")
    ap.add_argument("--out", type=Path, default=ROOT / "sim" / "data" / "outlines.json")
    ap.add_argument(
        "--box",
        type=float,
        nargs=4,
        default=(5.0, 15.0, 30.0, 38.0),
        metavar=("LON_MIN", "LAT_MIN", "LON_MAX", "LAT_MAX"),
    )
    args = ap.parse_args(argv)
    doc = extract(fetch_wheel(args.wheel_dir), tuple(args.box))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, separators=(",", ":"))
    # one country per line keeps diffs readable while staying small
    text = text.replace(',{"name"', ',\n{"name"')
    args.out.write_text(text + "\n", encoding="utf-8")
    names = ", ".join(c["name"] for c in doc["countries"])
    print(f"wrote {args.out} ({len(text) / 1024:.1f} KB): {names}")


if __name__ == "__main__":
    main()
