"""HTML to PDF with WeasyPrint: one place for every printable document (reports, cycles)."""

from __future__ import annotations


def html_to_pdf(html: str) -> bytes:
    """A PDF of a self-contained HTML page (styles inline, charts as inline SVG)."""
    from weasyprint import HTML

    return HTML(string=html, base_url="/").write_pdf()
