"""Make ``sim/data/outlines.json``: country outlines around each theatre for the map figure.

What it downloads: the geopandas 0.14.4 wheel from PyPI (``pip download geopandas==0.14.4 --no-deps``), only
to read the Natural Earth shapefile it ships in ``geopandas/datasets/naturalearth_lowres/``. The shapefile is
read with pyshp, which must be importable (it is not a project dependency; install it somewhere throwaway,
e.g. ``pip install --target /tmp/pyshp pyshp`` and run with ``PYTHONPATH=/tmp/pyshp``). The theatre files
are read with PyYAML (a project dependency: run with the project's ``.venv/bin/python``).

Source: Natural Earth 1:110m Cultural Vectors, Admin 0 - Countries (``ne_110m_admin_0_countries``), as
shipped in the geopandas 0.14.4 wheel. Licence: public domain (Natural Earth terms of use,
https://www.naturalearthdata.com/about/terms-of-use/). geopandas itself is BSD-3-Clause; only the data is
used.

Region boxes: one per theatre file ``configs/theatre/*.yaml``, its ``theatre.bbox`` widened by ``--margin``
degrees each side (default 5, so that neighbouring countries are drawn; Libya's bbox lon 9-26 E, lat 19-34 N
gives lon 4-31 E, lat 14-39 N, which holds the earlier single box lon 5-30 E, lat 15-38 N), plus any
``--region LON_MIN,LAT_MIN,LON_MAX,LAT_MAX`` given by hand (repeatable; write a negative first value as
``--region=-10,...``). Every polygon (a country's part, with its holes) whose bounding box intersects one of
the boxes is kept whole (not clipped: Russia's main polygon, for instance, comes whole); coordinates are
rounded to 3 decimals (about 100 m, far below the 1:110m data's accuracy). The boxes are recorded in the
file's ``regions``.

The South Caucasus (Nagorno-Karabakh theatre, places in about lon 44-50.5 E, lat 38.5-41.5 N) has no theatre
file yet, so its box is given by hand: ``--region 40,36,53,45`` (Armenia, Azerbaijan, Georgia, Iran, Turkey,
Russia's edge). Usage (the command that made the shipped file, run from the repository root)::

    PYTHONPATH=/tmp/pyshp .venv/bin/python tools/make_outlines.py --region 40,36,53,45 [--wheel-dir /tmp/gpd]

Once ``configs/theatre/`` has a Karabakh file, its bbox gives a box of its own and the ``--region`` may be
dropped (the file then changes: the boxes differ). ``--no-theatres`` uses the ``--region`` boxes only;
``--out`` (default ``sim/data/outlines.json``) writes elsewhere.
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
THEATRES = ROOT / "configs" / "theatre"
MARGIN = 5.0  # degrees added on each side of a theatre's bbox

Box = tuple[float, float, float, float]  # (lon_min, lat_min, lon_max, lat_max) in degrees


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


def _intersects(bbox: Box, box: Box) -> bool:
    """Whether two (lon_min, lat_min, lon_max, lat_max) boxes overlap."""
    return bbox[0] <= box[2] and bbox[2] >= box[0] and bbox[1] <= box[3] and bbox[3] >= box[1]


def _ring_bbox(ring: list[list[float]]) -> Box:
    lons = [p[0] for p in ring]
    lats = [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


def _region(box: Box, origin: str) -> dict[str, Any]:
    """A region as recorded in the file: where it comes from and its corners."""
    return {"from": origin, "lon_min": box[0], "lat_min": box[1], "lon_max": box[2], "lat_max": box[3]}


def _box_of(region: dict[str, Any]) -> Box:
    return region["lon_min"], region["lat_min"], region["lon_max"], region["lat_max"]


def theatre_regions(folder: Path = THEATRES, margin: float = MARGIN) -> list[dict[str, Any]]:
    """One region per theatre file: its ``theatre.bbox`` widened by ``margin`` degrees each side.

    Args:
        folder: the theatre configs (``*.yaml``); files without ``theatre.bbox`` are skipped with a note.
        margin: degrees added on each side (latitudes kept within +-90, longitudes within +-180).

    Returns:
        The regions, in file-name order.
    """
    import yaml  # a project dependency; see the module docstring

    regions = []
    for path in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        bbox = (doc.get("theatre") or {}).get("bbox")
        if not isinstance(bbox, dict) or not {"lat_min", "lat_max", "lon_min", "lon_max"} <= set(bbox):
            print(f"note: {path.name} has no theatre.bbox; skipped", file=sys.stderr)
            continue
        box = (
            max(-180.0, float(bbox["lon_min"]) - margin),
            max(-90.0, float(bbox["lat_min"]) - margin),
            min(180.0, float(bbox["lon_max"]) + margin),
            min(90.0, float(bbox["lat_max"]) + margin),
        )
        rel = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        regions.append(_region(box, f"{rel.as_posix()} theatre.bbox + {margin:g} deg"))
    return regions


def parse_region(text: str) -> Box:
    """``"lon_min,lat_min,lon_max,lat_max"`` (degrees) as a box; raises ``ArgumentTypeError`` if malformed."""
    try:
        lon_min, lat_min, lon_max, lat_max = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"want lon_min,lat_min,lon_max,lat_max, got {text!r}") from None
    if not (-180 <= lon_min < lon_max <= 180 and -90 <= lat_min < lat_max <= 90):
        msg = "not a box (lon_min < lon_max within +-180, lat_min < lat_max within +-90)"
        raise argparse.ArgumentTypeError(f"{msg}: {text!r}")
    return lon_min, lat_min, lon_max, lat_max


def extract(wheel: Path, regions: list[dict[str, Any]], digits: int = 3) -> dict[str, Any]:
    """Read the shapefile from the wheel and keep the polygons intersecting any of the ``regions``.

    Args:
        wheel: the geopandas wheel.
        regions: as made by :func:`theatre_regions` (``from``, ``lon_min``, ``lat_min``, ``lon_max``,
            ``lat_max`` in degrees).
        digits: decimals kept in the coordinates.

    Returns:
        The JSON-ready document.
    """
    import shapefile  # pyshp; see the module docstring

    boxes = [_box_of(r) for r in regions]
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
                    bbox = _ring_bbox(rings[0])
                    if any(_intersects(bbox, box) for box in boxes):
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
        "regions": regions,
        "note": "polygons: a list of polygons, each a list of rings [[lon, lat], ...] (exterior, then holes)",
        "countries": countries,
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--wheel-dir", type=Path, default=Path(tempfile.gettempdir()) / "gpd")
    ap.add_argument("--out", type=Path, default=ROOT / "sim" / "data" / "outlines.json")
    ap.add_argument(
        "--region",
        action="append",
        default=[],
        type=parse_region,
        metavar="LON_MIN,LAT_MIN,LON_MAX,LAT_MAX",
        help="a region box by hand, in degrees (repeatable); added to the theatre boxes",
    )
    ap.add_argument("--margin", type=float, default=MARGIN, help="degrees added around each theatre bbox")
    ap.add_argument("--no-theatres", action="store_true", help="use the --region boxes only")
    args = ap.parse_args(argv)
    regions = [] if args.no_theatres else theatre_regions(margin=args.margin)
    for box in args.region:
        regions.append(_region(box, "--region " + ",".join(f"{v:g}" for v in box)))
    if not regions:
        ap.error("no region box: no theatre file has theatre.bbox and no --region was given")
    doc = extract(fetch_wheel(args.wheel_dir), regions)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, separators=(",", ":"))
    # one country per line keeps diffs readable while staying small
    text = text.replace(',{"name"', ',\n{"name"')
    args.out.write_text(text + "\n", encoding="utf-8")
    names = ", ".join(c["name"] for c in doc["countries"])
    print(f"wrote {args.out} ({len(text) / 1024:.1f} KB): {names}")


if __name__ == "__main__":
    main()
