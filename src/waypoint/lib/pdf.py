"""HTML to PDF with WeasyPrint: one place for every printable document (reports, cycles)."""

from __future__ import annotations

import gc


def html_to_pdf(html: str) -> bytes:
    """A PDF of a self-contained HTML page (styles inline, charts as inline SVG)."""
    from weasyprint import HTML

    pdf = HTML(string=html, base_url="/").write_pdf()
    # A rendering leaves some 30,000 objects in reference cycles, old enough by then to wait
    # for Python's next full collection, which would stop whichever request came next for
    # 50 to 160 ms. They are collected here, in the request that made them (a few per cent
    # of its time).
    gc.collect()
    return pdf
