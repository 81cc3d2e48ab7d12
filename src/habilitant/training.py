"""``habilitant train``: learn the fiche prediction and the item ranking from labelled offers,
reproducibly.

Reads a training file of France Travail offers (``offres-ft-train.jsonl``: each offer with its
ROME fiche and, for some, the items the recruiter ticked), ranks every offer with items once
through the production pipeline (without anything learned), then:

* **fiche prediction** (:mod:`matching.fiche_classifier`): a classifier is fitted on the ROME
  referential's own texts plus the offers, *without* the offers of one source (the public
  repository that gave the most offers with items; a random fifth of them when the file names
  no sources: near-duplicate postings of one source make random folds flatter the
  classifier), and scores that source's offers with items: the softmax temperature is fitted
  there (log-likelihood of the right fiche), then the weight of its log-probabilities against
  the matcher's fiche scores (fiche accuracy@1, then @5). The classifier kept is fitted on
  everything;
* **item ranking**: the weights of :mod:`matching.item_prior` by k-fold cross-validation by
  offer (items recall@10 + MRR on the held-out offers).

The classifier, the counts of all labelled offers and the chosen weights are written to
``models/item-prior[-<encoder>]/`` with a manifest: the training file's sha256, the ROME
version, the encoder's checksum, the library versions, the seed, the held-out and
cross-validated figures (overall and per sector: data/IT fiches M18xx against the rest). The
same inputs give the same files.

The pipeline uses the artifact when it matches its index (same encoder, same ROME version) and
refuses one that does not, saying which command rebuilds it; without one it ranks as before.
"""

from __future__ import annotations

import itertools
import json
import shutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from habilitant.encoder.convert import _replace, sha256_file
from habilitant.errors import IndexStateError, InputError
from habilitant.matching.fiche_classifier import ClassifierConfig, FicheClassifier
from habilitant.matching.item_prior import ItemPrior, PriorWeights, TickCounts

if TYPE_CHECKING:
    from habilitant.evaluation.datasets import EvalCase
    from habilitant.pipeline import Habilitant

ARTIFACT_FORMAT = 2
MANIFEST = "manifest.json"
COUNTS = "counts.json"
CLASSIFIER = "fiche-classifier"  # .npz (weights) + .json (codes, vocabularies)
POPULAR_GRID = (0.0, 0.005, 0.01, 0.02, 0.04, 0.08, 0.16)
FICHE_GRID = (0.0, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
TRAIN_HINT = "Relancez l'apprentissage : habilitant train (ou make run / make test)."


def artifact_dir(index_dir: Path) -> Path:
    """One artifact per index (hence per encoder), beside it: ``models/item-prior`` for
    ``models/index``, ``models/item-prior-<encoder>`` for ``models/index-<encoder>``."""
    index_dir = Path(index_dir)
    if "index" not in index_dir.name:  # a folder named otherwise: never the index itself
        return index_dir.parent / f"{index_dir.name}-item-prior"
    return index_dir.parent / index_dir.name.replace("index", "item-prior", 1)


@dataclass(frozen=True)
class RankedOffer:
    """What the pipeline made of one labelled offer, restricted to ROME items and fiches."""

    fiche: str
    gold: frozenset[str]
    item_scores: np.ndarray  # aligned with the view's item codes
    fiche_scores: np.ndarray  # aligned with the view's fiche codes
    case: int = -1  # position of the offer in the training file


@dataclass(frozen=True)
class TrainReport:
    path: Path
    weights: PriorWeights
    offers: int
    labelled: int
    cv: dict[str, Any]
    fiches: dict[str, Any]  # the fiche prediction on held-out offers


def sector(fiche: str) -> str:
    return "data/IT (M18xx)" if fiche.startswith("M18") else "other fiches"


def rank_offers(
    h: Habilitant,
    cases: Sequence[EvalCase],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[RankedOffer], Any]:
    """Rank each labelled offer once (its title first, as published)."""
    from habilitant.evaluation.offers import RomeView

    view = RomeView.from_pipeline(h)
    labelled = [(n, c) for n, c in enumerate(cases) if c.expected_codes and c.rome_fiche]
    out = []
    for number, (position, case) in enumerate(labelled, start=1):
        fused = h.rank(case.offer_text, learned=False).fused
        if fused is not None:
            out.append(
                RankedOffer(
                    case.rome_fiche or "",
                    frozenset(case.expected_codes),
                    fused.score[view.item_positions].astype(np.float32),
                    fused.group_scores[view.fiche_group_ids].astype(np.float32),
                    position,
                )
            )
        if progress:
            progress(number, len(labelled))
    return out, view


def _prior_on_view(counts: TickCounts, weights: PriorWeights, view: Any) -> ItemPrior:
    items = {code: column for column, code in enumerate(view.item_codes)}
    fiches = {code: column for column, code in enumerate(view.fiche_codes)}
    return ItemPrior.on_index(counts, weights, items, fiches, len(view.item_codes))


def _metrics(prior: ItemPrior, offers: Sequence[RankedOffer], view: Any) -> dict[str, float]:
    from habilitant.evaluation.metrics import summarize

    rankings = []
    for offer in offers:
        scores = prior.rank_scores(offer.item_scores, offer.fiche_scores)
        depth = min(100, scores.size)
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.lexsort((top, -scores[top]))]
        rankings.append(([view.item_codes[i] for i in top], set(offer.gold)))
    summary = summarize(rankings, ks=(5, 10, 20))
    return {k: round(float(v), 4) for k, v in summary.items()}


def cross_validate(
    offers: Sequence[RankedOffer], view: Any, *, folds: int, seed: int
) -> tuple[PriorWeights, dict[str, Any]]:
    """Weights by k-fold CV by offer; the figures of the matcher alone and of the learned
    ranking on the held-out offers, overall and per sector."""
    if len(offers) < folds:
        raise InputError(
            f"{len(offers)} offres annotées pour {folds} plis de validation croisée.",
            hint="Il faut des offres avec leurs items ROME (expected_items).",
        )
    order = np.random.default_rng(seed).permutation(len(offers))
    parts = [order[i::folds] for i in range(folds)]
    grid = [PriorWeights(p, f) for p, f in itertools.product(POPULAR_GRID, FICHE_GRID)]
    held: list[list[RankedOffer]] = []
    counts: list[TickCounts] = []
    for part in parts:
        inside = set(part.tolist())
        held.append([offers[i] for i in sorted(inside)])
        counts.append(
            TickCounts.count(
                (o.fiche, sorted(o.gold)) for i, o in enumerate(offers) if i not in inside
            )
        )

    def figures(weights: PriorWeights, select: Callable[[RankedOffer], bool]) -> dict[str, float]:
        rows = []
        for fold_counts, fold_offers in zip(counts, held, strict=True):
            chosen = [o for o in fold_offers if select(o)]
            if chosen:
                prior = _prior_on_view(fold_counts, weights, view)
                rows.append((len(chosen), _metrics(prior, chosen, view)))
        total = sum(n for n, _ in rows)
        keys = rows[0][1].keys() if rows else ()
        out = {k: round(sum(n * m[k] for n, m in rows) / total, 4) for k in keys if k != "n"}
        out["n"] = total
        return out

    def everything(_offer: RankedOffer) -> bool:
        return True

    scored = [(w, figures(w, everything)) for w in grid]
    best, best_figures = max(scored, key=lambda pair: pair[1]["recall@10"] + pair[1]["mrr"])
    baseline = PriorWeights()
    report: dict[str, Any] = {
        "folds": folds,
        "seed": seed,
        "objective": "recall@10 + mrr on held-out offers",
        "matcher": figures(baseline, everything),
        "learned": best_figures,
        "per_sector": {},
        "grid": [
            {
                "popular": w.popular,
                "in_fiche": w.in_fiche,
                **{k: m[k] for k in ("recall@10", "mrr")},
            }
            for w, m in scored
        ],
    }
    for name in ("data/IT (M18xx)", "other fiches"):

        def in_sector(offer: RankedOffer, name: str = name) -> bool:
            return sector(offer.fiche) == name

        report["per_sector"][name] = {
            "matcher": figures(baseline, in_sector),
            "learned": figures(best, in_sector),
        }
    return best, report


def train(
    h: Habilitant,
    training_file: Path,
    *,
    folds: int = 5,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    announce: Callable[[str], None] | None = None,
    classifier_config: ClassifierConfig | None = None,
) -> TrainReport:
    """Rank, fit the fiche prediction, cross-validate the item ranking, count on everything,
    write the artifact atomically."""
    from habilitant.evaluation.datasets import load_eval_cases
    from habilitant.index import _library_versions
    from habilitant.training_fiches import fit_fiche_prediction

    training_file = Path(training_file)
    cases = load_eval_cases(training_file)
    offers, view = rank_offers(h, cases, progress)
    classifier, fiches = fit_fiche_prediction(
        h.index.entries,
        cases,
        offers,
        view.fiche_codes,
        seed=seed,
        config=classifier_config,
        announce=announce,
    )
    weights, cv = cross_validate(offers, view, folds=folds, seed=seed)
    counts = TickCounts.count((o.fiche, sorted(o.gold)) for o in offers)
    target = artifact_dir(h.index.path)
    staging = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        counts_json = json.dumps(asdict(counts), sort_keys=True, indent=1, ensure_ascii=False)
        (staging / COUNTS).write_text(counts_json + "\n", encoding="utf-8")
        written = [COUNTS, *classifier.save(staging, CLASSIFIER)]
        index_manifest = h.index.manifest
        manifest = {
            "format": ARTIFACT_FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "weights": asdict(weights),
            "training": {
                "file": training_file.name,
                "sha256": sha256_file(training_file),
                "offers": len(cases),
                "labelled_offers": len(offers),
            },
            "encoder": {
                "name": index_manifest["encoder"]["name"],
                "checksum": index_manifest["encoder"]["checksum"],
            },
            "rome_version": index_manifest["referentiels"].get("rome", {}).get("version"),
            "libraries": _library_versions(),
            "fiche_prediction": {**fiches, "config": asdict(classifier.config)},
            "cross_validation": cv,
            "files": {name: sha256_file(staging / name) for name in written},
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return TrainReport(target, weights, len(cases), len(offers), cv, fiches)


def checked_artifact(index: Any) -> tuple[Path, dict[str, Any]] | None:
    """The folder and manifest of what was learned for this index, None when nothing was
    trained; refuses an artifact trained for another encoder or ROME version, or whose files
    changed."""
    folder = artifact_dir(index.path)
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files = manifest.get("files") or {}
        changed = [name for name, digest in files.items() if sha256_file(folder / name) != digest]
        if COUNTS not in files:
            changed.append(COUNTS)
    except (OSError, ValueError, AttributeError) as exc:
        raise IndexStateError(
            f"Le classement appris dans {folder} est illisible ({exc}).", hint=TRAIN_HINT
        ) from exc
    built = index.manifest
    problems = []
    if manifest.get("format") != ARTIFACT_FORMAT:
        problems.append(f"format {manifest.get('format')} au lieu de {ARTIFACT_FORMAT}")
    if manifest.get("encoder", {}).get("checksum") != built["encoder"]["checksum"]:
        problems.append(
            f"appris avec l'encodeur « {manifest.get('encoder', {}).get('name')} », l'index "
            f"utilise « {built['encoder']['name']} »"
        )
    rome = built["referentiels"].get("rome", {}).get("version")
    if manifest.get("rome_version") != rome:
        problems.append(
            f"appris sur le ROME {manifest.get('rome_version')}, l'index a le ROME {rome}"
        )
    problems += [f"{name} a été modifié depuis l'apprentissage" for name in changed]
    if problems:
        raise IndexStateError(
            f"Le classement appris dans {folder} ne correspond pas à l'index : "
            + " ; ".join(problems)
            + ".",
            hint=TRAIN_HINT,
        )
    return folder, manifest


def load_learned(index: Any, structure: Any) -> tuple[ItemPrior | None, FicheClassifier | None]:
    """The learned item ranking and fiche prediction for this index (None, None when nothing
    was trained), the artifact checked once."""
    found = checked_artifact(index)
    if found is None:
        return None, None
    return _item_prior(found, index, structure), _fiche_classifier(found)


def load_item_prior(index: Any, structure: Any) -> ItemPrior | None:
    """The learned ranking for this index, None when none was trained (see
    :func:`checked_artifact`)."""
    found = checked_artifact(index)
    return None if found is None else _item_prior(found, index, structure)


def _item_prior(found: tuple[Path, dict[str, Any]], index: Any, structure: Any) -> ItemPrior:
    folder, manifest = found
    data = json.loads((folder / COUNTS).read_bytes())
    counts = TickCounts(data["offers"], data["items"], data["fiche_offers"], data["fiche_items"])
    from habilitant.evaluation.offers import ROME_ITEM_KINDS

    entries = index.entries
    items = {
        e.code: position
        for position, e in enumerate(entries)
        if e.referentiel == "rome" and e.kind in ROME_ITEM_KINDS
    }
    fiche_ids = structure.group_ids("fiche", ["rome"])
    fiches = {structure.groups[g].code: int(g) for g in fiche_ids}
    return ItemPrior.on_index(
        counts, PriorWeights(**manifest["weights"]), items, fiches, len(entries)
    )


def load_fiche_classifier(index: Any) -> FicheClassifier | None:
    """The learned fiche prediction for this index, None when none was trained."""
    found = checked_artifact(index)
    return None if found is None else _fiche_classifier(found)


def _fiche_classifier(found: tuple[Path, dict[str, Any]]) -> FicheClassifier:
    folder, _manifest = found
    try:
        return FicheClassifier.load(folder, CLASSIFIER)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexStateError(
            f"La prédiction de fiche apprise dans {folder} est illisible ({exc}).",
            hint=TRAIN_HINT,
        ) from exc
