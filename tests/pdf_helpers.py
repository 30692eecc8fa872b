"""Reading PDF documents back in tests (no tests here): the text WeasyPrint laid out on their pages."""

from __future__ import annotations


def document_text(document) -> str:
    """Return the text of every box on every page of a rendered WeasyPrint document (margins included), one per line."""
    found: list[str] = []

    def walk(box) -> None:
        text = getattr(box, "text", None)
        if isinstance(text, str):
            found.append(text)
        for child in getattr(box, "children", ()):
            walk(child)

    for page in document.pages:
        walk(page._page_box)  # WeasyPrint's layout of the page: the boxes its PDF draws
    return "\n".join(found)
