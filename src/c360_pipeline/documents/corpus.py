"""The corpus: the Markdown documents shipped in `documents/corpus/` plus the generated data dictionary."""

from __future__ import annotations

from importlib import resources

from c360_pipeline.documents.chunking import Chunk, Document, chunk_document, parse_document
from c360_pipeline.documents.dictionary import data_dictionary


def corpus_documents() -> list[Document]:
    """Every document of the corpus, the shipped ones by file name, then the data dictionary."""
    folder = resources.files("c360_pipeline.documents") / "corpus"
    documents = [
        parse_document(entry.read_text(encoding="utf-8"), entry.name.removesuffix(".md"), f"documents/corpus/{entry.name}")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".md")
    ]
    return [*documents, data_dictionary()]


def corpus_chunks() -> list[Chunk]:
    """Every chunk of the corpus; ValueError when two chunks share an id (two sections with one heading path)."""
    chunks = [chunk for document in corpus_documents() for chunk in chunk_document(document)]
    seen: dict[str, Chunk] = {}
    for chunk in chunks:
        if chunk.chunk_id in seen:
            raise ValueError(f"chunk id {chunk.chunk_id} is used twice: '{seen[chunk.chunk_id].heading}' and "
                             f"'{chunk.heading}'; give one of the sections another heading")
        seen[chunk.chunk_id] = chunk
    return chunks
