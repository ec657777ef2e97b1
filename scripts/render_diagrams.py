"""Render system-design diagrams with their truth, for tests and ``benchmarks/diagram.py``.

Four drawing styles, each in a light and a dark theme, imitate the tools candidates use:

- ``excalidraw``: a hand-drawn font, rough doubled strokes, pastel fills;
- ``drawio``: crisp boxes in draw.io's default fills, arrows with labels on a white patch;
- ``tldraw``: another hand-drawn font, rounded boxes with thick coloured strokes;
- ``gdrawings``: Arial-like text, solid coloured fills with white text (Google Drawings).

Labels are 11-16 px; arrows run diagonally between rows; each diagram has free text. The
picture is deterministic for a seed (fonts from ``scripts/setup.sh``'s packages). Truth: every
text drawn with its box, and the component each box label names (written by hand below, not
derived from ``assets/diagram/components.toml``).

Split: seeds 0-19 are ``tune`` (looked at while building the reader), seeds 100-115 are
``heldout`` (measured, not tuned on, but seen since), seeds 200-231 are ``blind`` (rendered
before the second round of recall work, half their box labels from ``BLIND_BOXES``: only their
totals are ever printed), seeds 300-331 are ``blind2`` (the same, rendered before a third
round). ``python scripts/render_diagrams.py OUT_DIR`` writes ``NAME.png`` + ``NAME.json`` for
all 100.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

STYLES = ("excalidraw", "drawio", "tldraw", "gdrawings")
TUNE_SEEDS = tuple(range(20))
HELDOUT_SEEDS = tuple(range(100, 116))
BLIND_SEEDS = tuple(range(200, 232))  # rendered 2026-12-03 15:25 before the recall work
BLIND2_SEEDS = tuple(range(300, 332))  # rendered 16:13, before a third round: as blind
SPLITS = ("tune", "heldout", "blind", "blind2")

FONT_FILES = {
    "hand": ["/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"],
    "hand_bold": ["/usr/share/fonts/truetype/fifthhorseman/dkgBd.ttf"],
    "marker": ["/usr/share/fonts/opentype/bwht/BecauseWeConnect-Regular.otf"],
    "casual": ["/usr/share/fonts/truetype/breip/Breip.ttf"],
    "comic": ["/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf"],
    # only in the blind split: fonts the reader was never tuned on
    "marker2": ["/usr/share/fonts/opentype/bwht/BecauseWeOrganize-Regular.otf"],
    "caps": ["/usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf"],
    "comic_bold": ["/usr/share/fonts/opentype/comic-neue/ComicNeue-Bold.otf"],
    "sans": ["/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
             "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"],
    "sans_bold": ["/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
                  "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"],
}

# (label as drawn, the component a person reads in it or None). "\n" breaks a box label.
BOXES: list[tuple[str, str | None]] = [
    ("Client", "client"), ("Mobile App", "client"), ("Web Browser", "client"),
    ("Users", "client"), ("iOS / Android", "client"), ("Web Client", "client"),
    ("Load Balancer", "load_balancer"), ("Load\nBalancer", "load_balancer"),
    ("LB", "load_balancer"),
    ("Nginx", "load_balancer"), ("HAProxy", "load_balancer"), ("ALB", "load_balancer"),
    ("API Gateway", "api_gateway"), ("Gateway", "api_gateway"), ("API\nGateway", "api_gateway"),
    ("Rate Limiter", "rate_limiter"), ("Rate\nLimiter", "rate_limiter"),
    ("CDN", "cdn"), ("CloudFront", "cdn"), ("CDN (edge)", "cdn"),
    ("Redis Cache", "cache"), ("Cache", "cache"), ("Memcached", "cache"), ("Redis", "cache"),
    ("Cache\n(Redis)", "cache"),
    ("Kafka", "stream"), ("Event Stream", "stream"), ("Kinesis", "stream"),
    ("Message Queue", "queue"), ("SQS", "queue"), ("RabbitMQ", "queue"), ("Job Queue", "queue"),
    ("Postgres", "sql_db"), ("MySQL\n(primary)", "sql_db"), ("SQL DB", "sql_db"),
    ("Metadata DB", "sql_db"), ("PostgreSQL", "sql_db"),
    ("Cassandra", "nosql_db"), ("DynamoDB", "nosql_db"), ("NoSQL DB", "nosql_db"),
    ("MongoDB", "nosql_db"),
    ("S3", "object_store"), ("Object Store", "object_store"), ("Blob Storage", "object_store"),
    ("S3 Bucket", "object_store"),
    ("Elasticsearch", "search_index"), ("Search Index", "search_index"),
    ("Workers", "worker"), ("Worker Pool", "worker"), ("Fanout\nWorkers", "worker"),
    ("Consumers", "worker"),
    ("URL Service", "service"), ("Feed Service", "service"), ("Auth Service", "service"),
    ("App Servers", "service"), ("Upload\nService", "service"), ("Web Server", "service"),
    ("Monitoring", "monitoring"), ("Prometheus", "monitoring"),
    ("DNS", "dns"),
    ("ID Generator", None), ("Ranking", None), ("Geo Hash", None),
]
# The blind split draws half its boxes from these labels, written before the second round of
# recall work and never looked at one by one: phrasings and products the tune set lacks.
BLIND_BOXES: list[tuple[str, str | None]] = [
    ("Client App", "client"), ("Browser", "client"), ("Android App", "client"),
    ("Edge LB", "load_balancer"), ("L7 Load Balancer", "load_balancer"),
    ("Kong Gateway", "api_gateway"), ("Edge Gateway", "api_gateway"),
    ("Token Bucket\nLimiter", "rate_limiter"),
    ("Akamai CDN", "cdn"), ("Static CDN", "cdn"),
    ("Session Cache", "cache"), ("Redis Cluster", "cache"), ("Hot Cache", "cache"),
    ("Kafka Topic", "stream"), ("Event Bus\n(Kafka)", "stream"),
    ("Task Queue", "queue"), ("Delay Queue", "queue"), ("SQS Queue", "queue"),
    ("Orders DB\n(Postgres)", "sql_db"), ("User DB (MySQL)", "sql_db"),
    ("Cassandra Cluster", "nosql_db"), ("HBase", "nosql_db"),
    ("Media Storage (S3)", "object_store"), ("GCS Bucket", "object_store"),
    ("Elastic Search", "search_index"), ("Solr Index", "search_index"),
    ("Background Workers", "worker"), ("Thumbnail Worker", "worker"),
    ("Notification Service", "service"), ("Payment Service", "service"),
    ("Timeline Service", "service"),
    ("Grafana", "monitoring"), ("Metrics", "monitoring"),
    ("Route 53", "dns"),
    ("Shard Map", None), ("Analytics", None),
]
ARROW_LABELS = ["HTTPS", "REST", "gRPC", "publish", "subscribe", "async", "write", "read",
                "replicate", "GET /feed", "POST /urls", "events", "100k QPS", "on miss",
                "fetch", "upload", "notify", "stream"]
NOTES = ["v2 - draft", "Reads >> writes (100:1)", "TODO: shard by user_id", "p99 < 200 ms",
         "Design: URL shortener", "Design: news feed", "Open question: TTL?",
         "peak 3x average", "multi-region later"]


@dataclass(frozen=True)
class Theme:
    background: tuple[int, int, int]
    ink: tuple[int, int, int]
    fills: tuple[tuple[int, int, int] | None, ...]
    text_on_fill: tuple[int, int, int] | None = None  # None: the ink colour
    strokes: tuple[tuple[int, int, int], ...] = ()


THEMES: dict[tuple[str, str], Theme] = {
    ("excalidraw", "light"): Theme((255, 255, 255), (30, 30, 30),
                                   (None, (255, 201, 201), (178, 242, 187), (165, 216, 255),
                                    (255, 236, 153))),
    ("excalidraw", "dark"): Theme((18, 18, 18), (224, 224, 224),
                                  (None, (93, 34, 34), (22, 76, 36), (25, 64, 110))),
    ("drawio", "light"): Theme((255, 255, 255), (0, 0, 0),
                               ((218, 232, 252), (213, 232, 212), (255, 242, 204),
                                (248, 206, 204), (255, 255, 255)),
                               strokes=((108, 142, 191), (130, 179, 102), (214, 182, 86),
                                        (184, 84, 80))),
    ("drawio", "dark"): Theme((42, 42, 42), (240, 240, 240),
                              ((29, 41, 59), (39, 55, 36), (61, 52, 23), (42, 42, 42)),
                              strokes=((108, 142, 191), (130, 179, 102), (214, 182, 86))),
    ("tldraw", "light"): Theme((249, 250, 251), (29, 29, 29),
                               (None, (220, 234, 255), (225, 247, 228), (255, 232, 226)),
                               strokes=((68, 101, 233), (9, 146, 104), (224, 49, 49),
                                        (29, 29, 29))),
    ("tldraw", "dark"): Theme((16, 16, 17), (242, 242, 242),
                              (None, (32, 44, 78), (22, 54, 42)),
                              strokes=((99, 138, 255), (56, 190, 140), (245, 95, 95),
                                       (242, 242, 242))),
    ("gdrawings", "light"): Theme((255, 255, 255), (33, 33, 33),
                                  ((66, 133, 244), (52, 168, 83), (234, 67, 53), (251, 188, 4),
                                   (255, 255, 255)),
                                  text_on_fill=(255, 255, 255)),
    ("gdrawings", "dark"): Theme((32, 33, 36), (232, 234, 237),
                                 ((26, 115, 232), (24, 128, 56), (60, 64, 67)),
                                 text_on_fill=(255, 255, 255)),
}


@dataclass
class Node:
    label: str
    component: str | None
    x: int
    y: int
    w: int
    h: int
    fill: tuple[int, int, int] | None
    stroke: tuple[int, int, int]
    text_colour: tuple[int, int, int]


@dataclass
class Spec:
    name: str
    style: str
    theme: str
    split: str
    size: tuple[int, int]
    font_px: int
    font: str = ""
    labels: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)


def font(kind: str, size: int) -> ImageFont.FreeTypeFont:
    for path in FONT_FILES[kind]:
        if Path(path).is_file():
            return ImageFont.truetype(path, size)
    raise SystemExit(f"font {kind!r} missing: install the fonts listed in scripts/setup.sh")


def style_fonts(style: str, rng: random.Random, split: str = "tune") -> str:
    if split.startswith("blind") and style in ("excalidraw", "tldraw"):
        return rng.choice(["hand", "casual", "comic", "marker", "marker2", "caps",
                           "comic_bold"])
    if style == "excalidraw":
        return rng.choice(["hand", "casual", "comic"])
    if style == "tldraw":
        return rng.choice(["marker", "comic", "hand"])
    return rng.choice(["sans", "sans_bold"]) if style == "gdrawings" else "sans"


def rough_line(draw: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float],
               colour: tuple[int, int, int], rng: random.Random, width: int = 2,
               passes: int = 2) -> None:
    """A hand-drawn stroke: bowed a little, drawn twice with a slight offset (Excalidraw)."""
    for _ in range(passes):
        jitter = [rng.uniform(-1.8, 1.8) for _ in range(4)]
        mid = ((a[0] + b[0]) / 2 + rng.uniform(-2, 2), (a[1] + b[1]) / 2 + rng.uniform(-2, 2))
        pts = [(a[0] + jitter[0], a[1] + jitter[1]), mid, (b[0] + jitter[2], b[1] + jitter[3])]
        draw.line(pts, fill=colour, width=width, joint="curve")


def draw_box(draw: ImageDraw.ImageDraw, node: Node, style: str, rng: random.Random) -> None:
    x0, y0, x1, y1 = node.x, node.y, node.x + node.w, node.y + node.h
    if style == "excalidraw":
        if node.fill is not None:
            draw.rectangle((x0 + 2, y0 + 2, x1 - 2, y1 - 2), fill=node.fill)
        for a, b in (((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)),
                     ((x0, y1), (x0, y0))):
            rough_line(draw, a, b, node.stroke, rng)
    elif style == "tldraw":
        draw.rounded_rectangle((x0, y0, x1, y1), radius=10, fill=node.fill, outline=node.stroke,
                               width=3)
    elif style == "drawio":
        draw.rectangle((x0, y0, x1, y1), fill=node.fill, outline=node.stroke, width=1)
    else:
        draw.rounded_rectangle((x0, y0, x1, y1), radius=4, fill=node.fill,
                               outline=node.stroke if node.fill in (None, (255, 255, 255))
                               else node.fill, width=1)


def arrow(draw: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float],
          colour: tuple[int, int, int], style: str, rng: random.Random) -> None:
    if style == "excalidraw":
        rough_line(draw, a, b, colour, rng, width=2, passes=1)
    else:
        draw.line((a, b), fill=colour, width=2 if style == "tldraw" else 1)
    angle = math.atan2(b[1] - a[1], b[0] - a[0])
    size = 10
    left = (b[0] - size * math.cos(angle - 0.45), b[1] - size * math.sin(angle - 0.45))
    right = (b[0] - size * math.cos(angle + 0.45), b[1] - size * math.sin(angle + 0.45))
    if style in ("drawio", "gdrawings"):
        draw.polygon((b, left, right), fill=colour)
    else:
        draw.line((left, b, right), fill=colour, width=2)


def edge_point(node: Node, towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the node's centre to ``towards`` leaves its box."""
    cx, cy = node.x + node.w / 2, node.y + node.h / 2
    dx, dy = towards[0] - cx, towards[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min((node.w / 2 + 4) / abs(dx) if dx else math.inf,
                (node.h / 2 + 4) / abs(dy) if dy else math.inf)
    return cx + dx * scale, cy + dy * scale


def text_box(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str,
             face: ImageFont.FreeTypeFont) -> list[int]:
    left, top, right, bottom = draw.multiline_textbbox(xy, text, font=face, align="center",
                                                       spacing=3)
    return [int(left), int(top), int(right - left), int(bottom - top)]


def render(seed: int, style: str, theme: str, split: str,
           font_px_range: tuple[int, int] = (11, 16)) -> tuple[Image.Image, Spec]:
    rng = random.Random(f"{split}-{seed}-{style}-{theme}")
    size = rng.choice([(1920, 1080), (1920, 1080), (1600, 900), (1440, 900)])
    font_px = rng.randint(*font_px_range)
    spec = Spec(f"{split}-{seed:03d}-{style}-{theme}", style, theme, split, size, font_px)
    palette = THEMES[(style, theme)]
    image = Image.new("RGB", size, palette.background)
    draw = ImageDraw.Draw(image)
    face_name = style_fonts(style, rng, split)
    spec.font = face_name
    face = font(face_name, font_px)
    small = font(face_name, max(11, font_px - 1))

    count = rng.randint(6, 10)
    chosen: list[tuple[str, str | None]] = []
    used: set[str | None] = set()
    pool = (BOXES[:] if not split.startswith("blind")
            else rng.sample(BOXES, len(BLIND_BOXES)) + BLIND_BOXES)
    rng.shuffle(pool)
    for text, cid in pool:
        if len(chosen) == count:
            break
        if cid is not None and cid in used and rng.random() < 0.8:
            continue
        chosen.append((text, cid))
        used.add(cid)

    columns = rng.randint(3, 5)
    rows = math.ceil(len(chosen) / columns)
    margin_x, margin_y = size[0] // 12, size[1] // 8
    cell_w = (size[0] - 2 * margin_x) / columns
    cell_h = (size[1] - 2 * margin_y) / max(rows, 2)
    nodes: list[Node] = []
    for index, (text, cid) in enumerate(chosen):
        col, row = index % columns, index // columns
        _, _, bw, bh = text_box(draw, (0, 0), text, face)
        w = max(bw + 2 * rng.randint(14, 30), 90)
        h = max(bh + 2 * rng.randint(12, 22), 44)
        cx = margin_x + cell_w * (col + 0.5) + rng.uniform(-cell_w * 0.15, cell_w * 0.15)
        cy = margin_y + cell_h * (row + 0.5) + rng.uniform(-cell_h * 0.2, cell_h * 0.2)
        fill = rng.choice(palette.fills)
        stroke = rng.choice(palette.strokes) if palette.strokes else palette.ink
        on_fill = palette.text_on_fill if (palette.text_on_fill and fill is not None
                                           and sum(fill) < 600) else palette.ink
        nodes.append(Node(text, cid, int(cx - w / 2), int(cy - h / 2), w, h, fill, stroke,
                          on_fill))

    # arrows: each node to one or two later nodes, many of them diagonal
    edges: list[tuple[Node, Node]] = []
    for i, node in enumerate(nodes[:-1]):
        targets = rng.sample(range(i + 1, len(nodes)), min(len(nodes) - i - 1,
                                                          rng.choice([1, 1, 2])))
        edges.extend((node, nodes[t]) for t in targets)
    arrow_colour = palette.ink if style != "tldraw" else rng.choice(palette.strokes)
    labelled: list[tuple[tuple[float, float], str]] = []
    for a, b in edges:
        ca = (a.x + a.w / 2, a.y + a.h / 2)
        cb = (b.x + b.w / 2, b.y + b.h / 2)
        start, end = edge_point(a, cb), edge_point(b, ca)
        arrow(draw, start, end, arrow_colour, style, rng)
        if rng.random() < 0.45 and math.dist(start, end) > 160:
            mid = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
            labelled.append((mid, rng.choice(ARROW_LABELS)))

    for node in nodes:
        draw_box(draw, node, style, rng)
        _, _, bw, bh = text_box(draw, (0, 0), node.label, face)
        xy = (node.x + (node.w - bw) / 2, node.y + (node.h - bh) / 2 - 2)
        draw.multiline_text(xy, node.label, font=face, fill=node.text_colour, align="center",
                            spacing=3)
        box = text_box(draw, xy, node.label, face)
        spec.labels.append({"text": node.label.replace("\n", " "), "box": box})
        if node.component is not None:
            spec.components.append({"id": node.component, "label": node.label.replace("\n", " "),
                                    "box": box})

    for (mx, my), text in labelled:
        box = text_box(draw, (mx, my), text, small)
        xy = (mx - box[2] / 2, my - box[3] / 2)
        box = text_box(draw, xy, text, small)
        if any(_overlaps(box, n) for n in nodes):
            continue
        if style == "drawio":  # draw.io puts an edge label on a patch of the page colour
            draw.rectangle((box[0] - 2, box[1] - 1, box[0] + box[2] + 2, box[1] + box[3] + 1),
                           fill=palette.background)
        draw.text(xy, text, font=small, fill=palette.ink)
        spec.labels.append({"text": text, "box": box})

    note = rng.choice(NOTES)
    for _ in range(20):
        xy = (rng.uniform(30, size[0] - 320), rng.choice([rng.uniform(15, margin_y - 30),
                                                         rng.uniform(size[1] - margin_y + 10,
                                                                     size[1] - 40)]))
        box = text_box(draw, xy, note, face)
        if not any(_overlaps(box, n) for n in nodes):
            draw.text(xy, note, font=face, fill=palette.ink)
            spec.labels.append({"text": note, "box": box})
            break
    return image, spec


def _overlaps(box: list[int], node: Node) -> bool:
    x, y, w, h = box
    return not (x + w < node.x - 6 or x > node.x + node.w + 6 or y + h < node.y - 6
                or y > node.y + node.h + 6)


def all_specs() -> list[tuple[int, str, str, str]]:
    """(seed, style, theme, split) for the whole set: every style x theme in both splits."""
    out = []
    for split, seeds in (("tune", TUNE_SEEDS), ("heldout", HELDOUT_SEEDS),
                         ("blind", BLIND_SEEDS), ("blind2", BLIND2_SEEDS)):
        for n, seed in enumerate(seeds):
            combo = n % (len(STYLES) * 2)
            out.append((seed, STYLES[combo // 2], ("light", "dark")[combo % 2], split))
    return out


def render_set(out_dir: Path, split: str | None = None,
               font_px_range: tuple[int, int] = (11, 16)) -> list[Path]:
    """Render the set (or one split) into ``out_dir``; returns the JSON truth paths. Another
    ``font_px_range`` draws the same diagrams with labels of other sizes (a HiDPI screen)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for seed, style, theme, which in all_specs():
        if split is not None and which != split:
            continue
        image, spec = render(seed, style, theme, which, font_px_range)
        png = out_dir / f"{spec.name}.png"
        image.save(png, optimize=False, compress_level=1)
        truth = {"image": png.name, "style": style, "theme": theme, "split": which,
                 "size": list(spec.size), "font_px": spec.font_px, "font": spec.font,
                 "labels": spec.labels,
                 "components": spec.components}
        path = out_dir / f"{spec.name}.json"
        path.write_text(json.dumps(truth, indent=1), encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for NAME.png + NAME.json")
    parser.add_argument("--split", choices=list(SPLITS), default=None)
    args = parser.parse_args(argv)
    paths = render_set(args.out, args.split)
    print(f"{len(paths)} diagrams in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
