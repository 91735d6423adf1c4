"""``report.html``: the report as one self-contained page (figures embedded), to share or open offline."""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

__all__ = ["HTML_FILE", "to_html"]

HTML_FILE = "report.html"
STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; line-height: 1.45; color: #222; }
h1, h2, h3 { line-height: 1.2; } h2 { border-bottom: 1px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 1em 0; font-size: .92em; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } tbody > :nth-child(even) > td { background: #fafafa; }
img { max-width: 100%; height: auto; display: block; margin: 1em 0; }
code { background: #f3f3f3; padding: 0 .2em; border-radius: 3px; }
"""


def to_html(markdown_text: str, folder: Path, title: str = "Scenario report") -> str:
    """The Markdown report as a page: tables, lists and headings, each figure embedded (PNG, base64).

    Args:
        markdown_text: the text of ``report.md``.
        folder: where ``report.md`` is (figure links are relative to it).
        title: the page's title.

    A linked figure that is missing becomes its alternative text, in the page.
    """
    import markdown

    body = markdown.markdown(markdown_text, extensions=["tables", "sane_lists"], output_format="html")
    body = re.sub(r'<img alt="([^"]*)" src="([^"]+)"\s*/?>', lambda m: _embed(m, Path(folder)), body)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{html.escape(title)}'
        f"</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def _embed(match: re.Match, folder: Path) -> str:
    alt, src = match.group(1), html.unescape(match.group(2))
    path = (folder / src).resolve()
    if src.startswith(("data:", "http:", "https:")) or not path.is_file():
        return f"<p><em>[figure not found: {html.escape(alt or src)}]</em></p>"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    kind = "png" if path.suffix.lower() == ".png" else "svg+xml" if path.suffix.lower() == ".svg" else "jpeg"
    return f'<img alt="{html.escape(alt)}" src="data:image/{kind};base64,{data}">'
