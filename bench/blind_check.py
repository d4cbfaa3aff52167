"""What the blind checks share: ask a question file on a built world, load the gold tables as pandas frames, and
judge each answer against an expectation computed independently (not a pytest module: it needs a built world).

An expectation is a scalar (one row, its last column), a dict group -> value (a row per group, the group in the
first column or, with more than two columns, the columns before the last as a tuple; a single-value group is also
met by a unique first column with the figure last and other figures between), a set of ids (the rows'
first *_ID column; a set of more than 100 ids is met by 100 rows all in it), a list of ids (the same column, in
order, compared on the first len(list) rows) or a callable(answer dict) -> (ok, why).
"""
import builtins
import json
import math
import os
import sys
import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from c360_pipeline.config import PipelineConfig
from c360_pipeline.engine.sessions import reader_session
from c360_pipeline.engine.warehouse import Warehouse
from c360_pipeline.semantic.assistant import ask, data_as_of


def read_questions(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def answers(questions_path: Path, home: Path, out: Path) -> None:
    """Ask every question of the file on the world at `home`; one JSON answer per line in `out`, numbered from 1."""
    questions = read_questions(questions_path)
    cfg = PipelineConfig(home=home)
    session = reader_session(cfg)
    try:
        warehouse = Warehouse.of(session, cfg)
        as_of = data_as_of(warehouse)
        with out.open("w") as sink:
            for n, question in enumerate(questions, 1):
                d = ask(question, warehouse, as_of=as_of).to_json()
                d["n"] = n
                sink.write(json.dumps(d, default=str) + "\n")
    finally:
        session.close()


def load_frames(home: Path):
    """P (profile), T (every transaction, with its day `d`, the customer's state, card and segment and the
    category's group) and M (merchant categories), read-only from the world's database."""
    c = duckdb.connect(str(home / "C360.db"), read_only=True)
    try:
        P = c.execute('select * from gold.customer_360_profile').df()
        T = c.execute('select * from gold.fct_transactions').df()
        M = c.execute('select * from gold.dim_merchant_category').df()
    finally:
        c.close()
    T['d'] = pd.to_datetime(T.TRANSACTION_DATE).dt.normalize()
    T = T.merge(P[['CUSTOMER_ID', 'STATE', 'CARD_TYPE', 'CUSTOMER_SEGMENT']], on='CUSTOMER_ID', how='left')
    T = T.merge(M[['MERCHANT_CATEGORY', 'CATEGORY_GROUP']], on='MERCHANT_CATEGORY', how='left')
    return P, T, M


def close(a, b):
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-6, abs_tol=1e-6)
    except Exception:
        return a == b


def check(n, d, e, first_key=frozenset()):
    """(ok, why) for answer `d` of question `n` against expectation `e`. For the questions in `first_key` a dict
    is keyed by the first column and rows whose last column is None are skipped (a change over a previous period)."""
    if callable(e):
        return e(d)
    cols, rows = d['columns'], d['rows']
    if not rows:
        return False, 'no rows'
    if isinstance(e, dict) and n not in first_key and len(rows[0]) > 2 and len({str(r[0]) for r in rows}) == len(rows) \
            and not any(isinstance(k, tuple) for k in e):
        # a row per group with the group in the first column and the figure last, other figures between ("segment,
        # Q4 spend, Q1 spend, change"): keyed by the first column when it is unique and the groups are single values
        ok, why = check(n, d, e, first_key | {n})
        if ok:
            return ok, why
    if isinstance(e, dict):
        got = {}
        for r in rows:
            key = r[0] if (len(r) == 2 or n in first_key) else tuple(r[:-1])
            if n in first_key and r[-1] is None:
                continue
            got[str(key)] = r[-1]
        ee = {str(k): v for k, v in e.items()}
        if set(got) != set(ee):
            return False, f'keys differ {sorted(set(got) ^ set(ee))[:6]}'
        bad = [k for k in ee if not close(got[k], ee[k])]
        return (not bad), f'bad {bad[:4]}'
    if isinstance(e, set):
        ids = [i for i, cn in enumerate(cols) if cn.endswith('_ID')]
        if not ids:
            return False, 'no id column'
        idc = ids[0]
        got = {r[idc] for r in rows}
        if len(e) > 100:
            return (len(rows) == 100 and got <= e), f'subset of {len(e)}'
        return got == e, f'{len(got)} vs {len(e)}'
    if isinstance(e, list):
        ids = [i for i, cn in enumerate(cols) if cn.endswith('_ID')]
        if not ids:
            return False, 'no id column'
        got = [r[ids[0]] for r in rows][:len(e)]
        return got == e, f'{got[:3]} vs {e[:3]}'
    if len(rows) != 1:
        return False, f'{len(rows)} rows for a scalar'
    return close(rows[0][-1], e), f'{rows[0][-1]} vs {e}'


def judge(answers_path: Path, E: dict, first_key=frozenset(), must_refuse=None) -> None:
    """Print RIGHT / WRONG / REFUSED per answer. With `must_refuse` (the line numbers that must be refused) also
    print REFUSED-OK / REFUSED-WRONGLY / ANSWERED-WRONGLY and a tally per half: DEV (odd line numbers) and
    HELD-OUT (even line numbers). BLIND_DEV_ONLY=1 in the environment prints the DEV lines and both tallies only."""
    tally = {half: dict(right=0, wrong=0, refused_correctly=0, refused_though_answerable=0,
                        answered_though_must_refuse=0, no_expectation=0) for half in ('DEV', 'HELD-OUT')}
    dev_only = os.environ.get('BLIND_DEV_ONLY') == '1'  # the HELD-OUT half's lines unseen, only its tally printed
    for line in open(answers_path):
        d = json.loads(line)
        n = d['n']
        t = tally['DEV' if n % 2 else 'HELD-OUT']
        print = builtins.print if n % 2 or not dev_only else (lambda *a, **k: None)  # noqa: A001
        if must_refuse is None:
            if d.get('refused'):
                print(f"{n:3} REFUSED  {d['question']}")
                continue
            if n not in E:
                print(f"{n:3} ?? no expectation {d['question']}")
                continue
            ok, why = check(n, d, E[n], first_key)
            print(f"{n:3} {'RIGHT' if ok else 'WRONG'}  {d['question']}  [{why}]")
            continue
        if n in must_refuse:
            if d.get('refused'):
                t['refused_correctly'] += 1
                print(f"{n:3} REFUSED  {d['question']}  [must refuse: ok]")
            else:
                t['answered_though_must_refuse'] += 1
                print(f"{n:3} WRONG  {d['question']}  [answered though it must be refused: {d['columns']}]")
            continue
        if d.get('refused'):
            t['refused_though_answerable'] += 1
            reason = ' '.join(str(d.get('interpretation') or '').split())[:160]
            print(f"{n:3} REFUSED  {d['question']}  [answerable: {reason}]")
            continue
        if n not in E:
            t['no_expectation'] += 1
            print(f"{n:3} ?? no expectation {d['question']}")
            continue
        ok, why = check(n, d, E[n], first_key)
        t['right' if ok else 'wrong'] += 1
        print(f"{n:3} {'RIGHT' if ok else 'WRONG'}  {d['question']}  [{why}]")
    print = builtins.print  # noqa: A001
    if must_refuse is not None:
        print()
        for half, t in tally.items():
            print(f"{half:8} right {t['right']}, wrong {t['wrong']}, refused correctly {t['refused_correctly']}, "
                  f"refused though answerable {t['refused_though_answerable']}"
                  + (f", answered though it must be refused {t['answered_though_must_refuse']}"
                     if t['answered_though_must_refuse'] else '')
                  + (f", no expectation {t['no_expectation']}" if t['no_expectation'] else ''))


def run(argv: list[str], questions: Path, expectations, must_refuse: set[int], edges, total: int = 160) -> None:
    """A blind checker's command line: `HOME [ANSWERS.jsonl] [--edges]` — the expectations computed on HOME's gold
    tables, then either only the pre-run look for ties and empties (`edges`) or every question asked (unless the
    answers file is given and not empty) and judged."""
    home = Path(argv[1])
    E = expectations(*load_frames(home))
    assert len(E) + len(must_refuse) == total and not set(E) & must_refuse, \
        sorted(set(range(1, total + 1)) - set(E) - must_refuse)
    if '--edges' in argv:
        edges(E)
        sys.exit(0)
    out = Path(argv[2]) if len(argv) > 2 and not argv[2].startswith('--') else Path(tempfile.mkstemp(suffix=".jsonl")[1])
    if len(argv) <= 2 or not out.exists() or out.stat().st_size == 0:
        answers(questions, home, out)
    print(f"answers in {out}")
    judge(out, E, must_refuse=must_refuse)
