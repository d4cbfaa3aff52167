"""Benchmark: document search on the golden questions — recall@5 and MRR per slice, and query time.

    python bench/bench_search.py            # the local BM25 retriever over the shipped corpus
    python bench/bench_search.py --misses   # also list the questions whose relevant chunk is not in the top 5
    python bench/bench_search.py --compare  # BM25 alone, embeddings alone and hybrids of several weights

The golden questions (tests/data/search_golden.yaml) were written before measuring, phrased as analysts ask;
the held_out slice is never used to tune the retriever. Goal: recall@5 >= 0.9.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from c360_pipeline.search.evaluation import load_golden, score_questions, summary
from c360_pipeline.search.local import LocalSearch

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "data" / "search_golden.yaml"
K = 5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--golden", type=Path, default=GOLDEN)
    parser.add_argument("--misses", action="store_true")
    parser.add_argument("--compare", action="store_true")
    args = parser.parse_args(argv)
    if args.compare:
        return compare(load_golden(args.golden))

    started = time.perf_counter()
    service = LocalSearch.from_corpus()
    build = time.perf_counter() - started
    questions = load_golden(args.golden)
    times = []
    scored = []
    for question in questions:
        begin = time.perf_counter()
        scored.extend(score_questions(service, [question], k=K))
        times.append(time.perf_counter() - begin)
    print(f"corpus: {len(service.rows)} chunks, index built in {build:.2f} s; {len(questions)} golden questions")
    print(f"{'slice':<10} {'questions':>9} {'recall@5':>9} {'MRR':>6}")
    for name in ("tuned", "held_out", "all"):
        part = [s for s in scored if name == "all" or s.question.slice == name]
        figures = summary(part)
        print(f"{name:<10} {figures['questions']:>9} {figures['recall']:>9.3f} {figures['mrr']:>6.3f}")
    print(f"query time: median {statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms")
    if args.misses:
        for s in scored:
            if s.recall < 1:
                print(f"miss [{s.question.slice}] {s.question.question!r}: wanted {list(s.question.relevant)}, got {list(s.ranked[:K])}")
    return 0


def compare(questions) -> int:
    """Recall@5 and MRR per slice for BM25 alone (weight 1), embeddings alone (0) and hybrids."""
    service = LocalSearch.from_corpus()
    print(f"{'retriever':<22} {'slice':<9} {'recall@5':>9} {'MRR':>6}")
    for weight, name in ((1.0, "BM25"), (0.0, "embeddings"), (0.7, "hybrid 0.7 BM25"), (0.5, "hybrid 0.5 BM25"),
                         (0.3, "hybrid 0.3 BM25")):
        service.lexical_weight = weight
        for part in ("tuned", "held_out"):
            figures = summary(score_questions(service, [q for q in questions if q.slice == part], k=K))
            print(f"{name:<22} {part:<9} {figures['recall']:>9.3f} {figures['mrr']:>6.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
