"""Benchmark: the assistant's router on the labelled questions — routing accuracy per slice and per route.

    python bench/bench_agent.py            # the router with the offline engine and the local search over the corpus
    python bench/bench_agent.py --errors   # also list every question routed differently from its label

Routing needs no data: the data tool's test is whether the offline engine maps the clause onto the semantic
model, the search tool's is what the shipped corpus returns. tests/data/agent_routing.yaml was written before
the router; its held_out slice is never used to tune it.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

from c360_pipeline.agent.agent import data_vocabulary, understands_with
from c360_pipeline.agent.router import Router
from c360_pipeline.search.local import LocalSearch

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "data" / "agent_routing.yaml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelled", type=Path, default=LABELLED)
    parser.add_argument("--errors", action="store_true")
    args = parser.parse_args(argv)
    questions = yaml.safe_load(args.labelled.read_text())["questions"]
    router = Router(understands_with(None), LocalSearch.from_corpus(), vocabulary=data_vocabulary())
    outcomes = []
    started = time.perf_counter()
    for item in questions:
        outcomes.append((item, router.route(item["question"])))
    seconds = time.perf_counter() - started
    print(f"{len(questions)} labelled questions, routed in {seconds:.2f} s ({seconds / len(questions) * 1000:.0f} ms each)")
    print(f"{'slice':<10} {'questions':>9} {'correct':>8} {'accuracy':>9}")
    for name in ("tuned", "held_out", "all"):
        part = [(i, r) for i, r in outcomes if name == "all" or i["slice"] == name]
        right = sum(i["route"] == r.tool for i, r in part)
        print(f"{name:<10} {len(part):>9} {right:>8} {right / max(len(part), 1):>9.3f}")
    confusion = Counter((i["route"], r.tool) for i, r in outcomes)
    print("label -> routed: " + ", ".join(f"{a}->{b}: {n}" for (a, b), n in sorted(confusion.items())))
    if args.errors:
        for item, route in outcomes:
            if item["route"] != route.tool:
                print(f"[{item['slice']}] {item['question']!r}: labelled {item['route']}, routed {route.tool} {route.features}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
