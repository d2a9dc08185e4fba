"""Entity quality against gold alias clusters: pairwise precision/recall/F1, wrong merges, words
that are no names, label accuracy; per surface form and per mention.

Used by bench/entity_quality.py and the suite's gold tests; reads an open catalog only.
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations

from casework.index.catalog import Catalog
from casework.index.entities import match_key
from casework.index.resolve import IN_DOCUMENT


def _system_forms(catalog: Catalog) -> dict[str, tuple[str, str]]:
    """Form key -> (entity_id, label) of the entity the collection gives it (most-used alias;
    a form given to another person in one document only does not count here)."""
    system: dict[str, tuple[str, str]] = {}
    for row in catalog.alias_keys_by_use_except(IN_DOCUMENT):
        system[row["key"]] = (row["entity_id"], row["label"])
    return system


def _pairwise(cells: Counter, gold_sizes: Counter, system_sizes: Counter) -> tuple[float, float, float]:
    """Pairwise scores from a contingency table (gold, system) -> items, without listing pairs."""
    both = sum(n * (n - 1) // 2 for n in cells.values())
    gold = sum(n * (n - 1) // 2 for n in gold_sizes.values())
    system = sum(n * (n - 1) // 2 for n in system_sizes.values())
    precision = both / system if system else 1.0
    recall = both / gold if gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return round(precision, 4), round(recall, 4), round(f1, 4)


def score_clusters(catalog: Catalog, gold: dict) -> dict:
    """Pairs of gold surface forms found in the index: same entity in gold vs in the index.

    ``gold`` may also hold ``apart`` (pairs of forms that must never be one entity) and
    ``non_names`` (words that must never be an entity or an alias)."""
    system = _system_forms(catalog)
    gold_of: dict[str, int] = {}
    gold_label: dict[str, str] = {}
    for i, cluster in enumerate(gold["clusters"]):
        for form in cluster["forms"]:
            gold_of[match_key(form)] = i
            gold_label[match_key(form)] = cluster["label"]
    found = sorted(k for k in gold_of if k in system)
    tp = fp = fn = 0
    wrong_merges = []
    for a, b in combinations(found, 2):
        same_gold = gold_of[a] == gold_of[b]
        same_sys = system[a][0] == system[b][0]
        tp += same_gold and same_sys
        fp += same_sys and not same_gold
        fn += same_gold and not same_sys
        if same_sys and not same_gold:
            wrong_merges.append([a, b])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    labels_right = [k for k in found if system[k][1] == gold_label[k]]
    out = {
        "gold_forms": len(gold_of),
        "forms_found": len(found),
        "pairs_true": tp + fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
        "label_accuracy": round(len(labels_right) / len(found), 4) if found else 0.0,
        "wrong_labels": sorted(f"{k}: {system[k][1]} (gold {gold_label[k]})"
                               for k in found if k not in labels_right),
        "wrong_merges": wrong_merges,
        "missed_forms": sorted(k for k in gold_of if k not in system),
    }
    if "apart" in gold:
        merged = [[a, b] for a, b in gold["apart"]
                  if match_key(a) in system and match_key(b) in system
                  and system[match_key(a)][0] == system[match_key(b)][0]]
        out["apart_pairs"] = len(gold["apart"])
        out["apart_merged"] = merged
    if "non_names" in gold:
        names = catalog.entity_keys()
        out["non_names"] = len(gold["non_names"])
        out["non_names_as_entities"] = sorted(
            w for w in gold["non_names"] if match_key(w) in system or match_key(w) in names)
    return out


def score_mentions(catalog: Catalog, gold: dict) -> dict:
    """Every occurrence of a gold form in the text is an item (case-sensitive, whole words,
    longest first), in the cluster of its form; the index puts it in the entity of the mention
    covering it, or alone when no mention does (a bare surname the model missed counts).
    Pairwise precision/recall/F1 over these items."""
    from casework.index.recall import _Matcher

    gold_of = {form: i for i, cluster in enumerate(gold["clusters"]) for form in cluster["forms"]}
    matcher = _Matcher(gold_of)
    cells: Counter = Counter()
    gold_sizes: Counter = Counter()
    system_sizes: Counter = Counter()
    items = covered = 0
    for doc_id, text in catalog.document_texts():
        finds = sorted(matcher(text), key=lambda s: (s[0], s[0] - s[1]))
        if not finds:
            continue
        mentions = catalog.entity_mention_spans_in(doc_id)
        last = -1
        for a, b in finds:
            if a < last or text[a:b] not in gold_of:
                continue
            last = b
            items += 1
            g = gold_of[text[a:b]]
            entity = next((m[2] for m in mentions if m[0] <= a and b <= m[1]), None)
            if entity is None:
                entity = f"alone:{doc_id}:{a}"
            else:
                covered += 1
            cells[(g, entity)] += 1
            gold_sizes[g] += 1
            system_sizes[entity] += 1
    precision, recall, f1 = _pairwise(cells, gold_sizes, system_sizes)
    return {"items": items, "covered_by_a_mention": covered, "precision": precision,
            "recall": recall, "f1": f1}
