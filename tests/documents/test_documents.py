"""The document corpus: front matter, chunks with stable ids, the generated data dictionary, and the load_docs
step writing GOLD.DOCS on the local engine (through the DAG's procedure, as a task calls it)."""

from __future__ import annotations

import pytest

from c360_pipeline.contracts import CONTRACTS, contract_for
from c360_pipeline.contracts.evaluation import evaluate_contracts
from c360_pipeline.documents import chunk_document, corpus_chunks, corpus_documents, parse_document
from c360_pipeline.documents.chunking import chunk_id
from c360_pipeline.documents.dictionary import data_dictionary
from c360_pipeline.documents.step import DOCS_SCHEMA, run_load_docs

DOCUMENT = """---
title: Test policy
doc_type: policy
topic: fees
---
# Test policy

Intro text.

## Late fees

A late fee of $29.

## Waivers

### Annual fee

Waived once.
"""


def test_every_document_has_front_matter_and_the_corpus_covers_the_issue_s_topics():
    documents = {d.slug: d for d in corpus_documents()}
    assert set(documents) == {"card_terms", "fee_policy", "dispute_policy", "retention_playbook",
                              "segment_definitions", "churn_model", "data_dictionary"}
    assert {d.doc_type for d in documents.values()} == {"policy", "playbook", "definition", "model_card",
                                                        "data_dictionary"}


def test_a_section_is_one_chunk_whose_id_is_the_slug_and_a_hash_of_its_heading_path():
    chunks = chunk_document(parse_document(DOCUMENT, "test_policy"))
    assert [c.heading for c in chunks] == ["Test policy > Overview", "Test policy > Late fees",
                                           "Test policy > Waivers > Annual fee"]
    assert chunks[1].chunk_id == chunk_id("test_policy", ("Late fees",))
    assert chunks[2].chunk_id == chunk_id("test_policy", ("Waivers", "Annual fee"))
    assert chunks[1].chunk == "Test policy > Late fees\n\nA late fee of $29."
    assert [c.position for c in chunks] == [0, 1, 2]


def test_editing_a_section_keeps_its_id_and_renaming_its_heading_changes_it():
    before = {c.heading: c.chunk_id for c in chunk_document(parse_document(DOCUMENT, "test_policy"))}
    edited = {c.heading: c for c in chunk_document(parse_document(DOCUMENT.replace("$29", "$40"), "test_policy"))}
    assert edited["Test policy > Late fees"].chunk_id == before["Test policy > Late fees"]
    assert "$40" in edited["Test policy > Late fees"].text
    renamed = {c.heading: c.chunk_id for c in chunk_document(parse_document(DOCUMENT.replace("## Late fees", "## Late payment fees"), "test_policy"))}
    assert renamed["Test policy > Late payment fees"] != before["Test policy > Late fees"]
    assert renamed["Test policy > Overview"] == before["Test policy > Overview"]


def test_a_long_section_is_split_between_paragraphs_into_numbered_parts():
    long_text = DOCUMENT.replace("A late fee of $29.", "\n\n".join(f"Paragraph {i} " + "x" * 80 for i in range(6)))
    chunks = [c for c in chunk_document(parse_document(long_text, "test_policy"), max_chars=200) if "Late" in c.heading]
    base = chunk_id("test_policy", ("Late fees",))
    assert [c.chunk_id for c in chunks] == [base, f"{base}-2", f"{base}-3"]
    assert all(len(c.text) <= 200 for c in chunks)
    assert "\n\n".join(c.text for c in chunks).count("Paragraph") == 6


@pytest.mark.parametrize("text, problem", [
    ("# No front matter\n\ntext", "no front matter"),
    ("---\ntitle: T\ndoc_type: policy\n---\n# T\n", "no 'topic'"),
    ("---\ntitle: T\ndoc_type: memo\ntopic: x\n---\n# T\n", "doc_type 'memo'"),
])
def test_a_document_without_valid_front_matter_is_refused_with_the_reason(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_document(text, "broken", "documents/corpus/broken.md")


def test_chunk_ids_of_the_corpus_are_unique_and_the_same_on_every_build():
    first, second = corpus_chunks(), corpus_chunks()
    ids = [c.chunk_id for c in first]
    assert len(ids) == len(set(ids)) >= 50
    assert ids == [c.chunk_id for c in second]


def test_an_edited_section_is_written_again_and_a_removed_one_disappears(session, cfg, monkeypatch):
    from c360_pipeline.documents import step

    run_load_docs(session, cfg)
    chunks = corpus_chunks()
    edited = [chunks[0].__class__(**{**chunks[0].__dict__, "text": chunks[0].text + " Edited."})] + chunks[2:]
    monkeypatch.setattr(step, "corpus_chunks", lambda: edited)
    result = run_load_docs(session, cfg)
    stored = {r["CHUNK_ID"]: r["CHUNK"] for r in session.table(cfg.table("GOLD", "DOCS")).collect()}
    assert result.rows_out == len(edited) == len(stored)
    assert stored[chunks[0].chunk_id].endswith("Edited.") and chunks[1].chunk_id not in stored


def test_the_data_dictionary_has_a_section_per_gold_contract_with_its_grain_key_and_values():
    document = data_dictionary()
    gold = [c for c in CONTRACTS if c.layer == "GOLD"]
    sections = [c for c in chunk_document(document) if c.heading.split(" > ")[-1].startswith("GOLD.")]
    assert {c.heading.split(" > ")[-1] for c in sections} == {c.qualified for c in gold}
    profile = " ".join(c.text for c in sections if c.heading.endswith("GOLD.CUSTOMER_360_PROFILE"))
    assert contract_for("GOLD", "CUSTOMER_360_PROFILE").grain in profile
    docs = " ".join(c.text for c in sections if c.heading.endswith("GOLD.DOCS"))
    assert "Key: CHUNK_ID identifies one row" in docs and "DOC_TYPE is one of policy, playbook" in docs


def test_load_docs_writes_one_row_per_chunk_that_meets_its_contract_and_a_rerun_changes_nothing(session, cfg):
    first = run_load_docs(session, cfg)
    table = session.table(cfg.table("GOLD", "DOCS"))
    chunks = corpus_chunks()
    assert first.rows_out == len(chunks) == table.count()
    assert [f.name for f in table.schema.fields] == [f.name for f in DOCS_SCHEMA.fields]
    stored = {r["CHUNK_ID"]: r for r in table.collect()}
    assert set(stored) == {c.chunk_id for c in chunks}
    sample = chunks[5]
    assert stored[sample.chunk_id]["CHUNK"] == sample.chunk and stored[sample.chunk_id]["DOC_TYPE"] == sample.doc_type

    loaded_at = {r["LOADED_AT"] for r in table.collect()}
    again = run_load_docs(session, cfg)
    assert again.rows_out == 0 and again.details["unchanged"] and "nothing to write" in again.message
    assert table.count() == len(chunks) and {r["LOADED_AT"] for r in table.collect()} == loaded_at
    outcomes, absent = evaluate_contracts(session, cfg, [contract_for("GOLD", "DOCS")])
    assert not absent and len(outcomes) >= 10
    assert [o for o in outcomes if o.status != "passed"] == []
