"""A Markdown document into chunks: one per section, with an id that survives edits elsewhere in the corpus.

A chunk's id is `<document slug>-<first 8 hex digits of sha1(heading path)>`: editing a section's text keeps
its id (the search results and the golden questions still point at it), renaming its heading gives a new
one. A section longer than `MAX_CHUNK_CHARS` is split at paragraph boundaries into parts `-2`, `-3`, ….
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import yaml

MAX_CHUNK_CHARS = 1800

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_HEADING = re.compile(r"^(#{1,4})\s+(.*?)\s*$")

DOC_TYPES = ("policy", "playbook", "definition", "model_card", "data_dictionary")


@dataclass(frozen=True)
class Document:
    """One Markdown document of the corpus with its front matter."""

    slug: str
    title: str
    doc_type: str
    topic: str
    body: str
    source: str


@dataclass(frozen=True)
class Chunk:
    """One section of a document: what GOLD.DOCS holds per row and the search service indexes."""

    chunk_id: str
    doc_slug: str
    title: str
    doc_type: str
    topic: str
    heading: str  # the heading path, "Title > Section"
    text: str  # the section's text without its heading
    source: str
    position: int  # order of the chunk in its document

    @property
    def chunk(self) -> str:
        """The searchable text: heading path, then the section (the CHUNK column)."""
        return f"{self.heading}\n\n{self.text}"

    @property
    def content_hash(self) -> str:
        return hashlib.sha1(self.chunk.encode()).hexdigest()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def chunk_id(slug: str, heading_path: tuple[str, ...]) -> str:
    """`<slug>-<8 hex digits>` from the heading path (headings below the title, lower case, joined by ' > ')."""
    key = " > ".join(h.strip().lower() for h in heading_path)
    return f"{slug}-{hashlib.sha1(key.encode()).hexdigest()[:8]}"


def parse_document(text: str, slug: str, source: str = "") -> Document:
    """A document from Markdown with front matter; ValueError naming the document and the missing field."""
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ValueError(f"document {slug} ({source}): no front matter (--- title/doc_type/topic ---) at the top")
    meta = yaml.safe_load(match.group(1)) or {}
    for key in ("title", "doc_type", "topic"):
        if not meta.get(key):
            raise ValueError(f"document {slug} ({source}): front matter has no '{key}'")
    if meta["doc_type"] not in DOC_TYPES:
        raise ValueError(f"document {slug} ({source}): doc_type '{meta['doc_type']}' is not one of {', '.join(DOC_TYPES)}")
    return Document(slug, str(meta["title"]), str(meta["doc_type"]), str(meta["topic"]), text[match.end():], source)


def _parts(text: str, limit: int) -> list[str]:
    """The text in pieces of at most about `limit` characters, cut between paragraphs."""
    parts: list[str] = []
    current = ""
    for paragraph in re.split(r"\n\s*\n", text):
        if current and len(current) + len(paragraph) + 2 > limit:
            parts.append(current)
            current = paragraph
        else:
            current = f"{current}\n\n{paragraph}" if current else paragraph
    if current:
        parts.append(current)
    return parts


def chunk_document(document: Document, max_chars: int = MAX_CHUNK_CHARS) -> list[Chunk]:
    """One chunk per section (the text under the title is the 'Overview' chunk); empty sections are skipped."""
    sections: list[tuple[tuple[str, ...], list[str]]] = []
    path: list[str] = []
    lines: list[str] = []

    def close() -> None:
        body = "\n".join(lines).strip()
        if body:
            sections.append((tuple(path[1:]) or ("Overview",), [body]))

    for line in document.body.splitlines():
        heading = _HEADING.match(line)
        if heading:
            close()
            lines = []
            level = len(heading.group(1))
            path[:] = path[: level - 1] + [heading.group(2)]
            continue
        lines.append(line)
    close()

    chunks: list[Chunk] = []
    for heading_path, (body,) in sections:
        base = chunk_id(document.slug, heading_path)
        for part_number, part in enumerate(_parts(body, max_chars), start=1):
            chunks.append(Chunk(
                chunk_id=base if part_number == 1 else f"{base}-{part_number}",
                doc_slug=document.slug,
                title=document.title,
                doc_type=document.doc_type,
                topic=document.topic,
                heading=" > ".join((document.title, *heading_path)),
                text=part,
                source=document.source,
                position=len(chunks),
            ))
    return chunks
