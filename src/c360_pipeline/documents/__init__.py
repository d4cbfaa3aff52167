"""Documents for search: the Markdown corpus shipped with the package, chunked with stable ids into GOLD.DOCS.

- `corpus/*.md`: card terms, fee and dispute policies, the retention playbook, segment definitions and the
  churn model card, each with front matter (title, doc_type, topic);
- `dictionary`: the data dictionary of the gold tables, generated from the table contracts and the semantic
  model (so it never drifts from what the pipeline checks);
- `chunking`: a document into one chunk per section, id = document slug + a hash of the heading path;
- `step`: the `load_docs` DAG step that writes GOLD.DOCS (one row per chunk).
"""

from c360_pipeline.documents.chunking import Chunk, Document, chunk_document, parse_document
from c360_pipeline.documents.corpus import corpus_chunks, corpus_documents

__all__ = ["Chunk", "Document", "chunk_document", "corpus_chunks", "corpus_documents", "parse_document"]
