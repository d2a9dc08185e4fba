"""Entity quality against gold alias clusters: pairwise precision/recall/F1 and label accuracy.

Used by bench/entity_quality.py and the suite's gold test; reads an open catalog only.
"""

from __future__ import annotations

from itertools import combinations

from casework.index.catalog import Catalog
from casework.index.entities import match_key


def score_clusters(catalog: Catalog, gold: dict) -> dict:
    """Pairs of gold surface forms found in the index: same entity in gold vs in the index."""
    system: dict[str, tuple[str, str]] = {}  # form key -> (entity_id, label), most-used entity
    for row in catalog.alias_keys_by_use():
        system[row["key"]] = (row["entity_id"], row["label"])
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
    return {
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
