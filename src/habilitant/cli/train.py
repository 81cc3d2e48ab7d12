"""``habilitant train``: learn the item ranking from labelled offers (see habilitant.training)."""

from __future__ import annotations

import time
from pathlib import Path

import click

from habilitant.cli.context import settings_of


@click.command()
@click.option(
    "--offers",
    "offers",
    type=click.Path(path_type=Path),
    help="Offres annotées (JSONL) ; sinon HABILITANT_TRAINING_OFFERS.",
)
@click.option("--folds", default=5, show_default=True, help="Plis de la validation croisée.")
@click.option("--seed", default=0, show_default=True, help="Graine du découpage en plis.")
@click.option(
    "--if-missing", is_flag=True, help="Ne rien faire si un classement appris existe déjà."
)
@click.pass_context
def train(ctx: click.Context, offers: Path | None, folds: int, seed: int, if_missing: bool) -> None:
    """Apprendre la prédiction de fiche et le classement des items ROME sur des offres annotées."""
    from habilitant.errors import HabilitantError, InputError
    from habilitant.pipeline import Habilitant
    from habilitant.progress import TqdmProgress
    from habilitant.training import artifact_dir, load_item_prior
    from habilitant.training import train as run_training

    settings = settings_of(ctx)
    offers = offers or settings.training_offers
    if offers is None or not Path(offers).is_file():
        raise InputError(
            f"Fichier d'offres annotées introuvable : {offers or '(aucun)'}. Sans lui, les fiches "
            "et le classement des items restent ceux de l'appariement.",
            hint="Indiquez-le : habilitant train --offers offres-ft-train.jsonl "
            "(ou HABILITANT_TRAINING_OFFERS).",
        )
    h = Habilitant(settings, learned=False)
    if if_missing:
        try:
            present = load_item_prior(h.index, h.matcher.structure) is not None
        except HabilitantError as exc:
            click.echo(f"{exc.message} Nouvel apprentissage.", err=True)
            present = False
        if present:
            click.echo(f"Classement appris déjà présent → {artifact_dir(h.index.path)}")
            return

    started = time.perf_counter()
    with TqdmProgress("Offres classées", unit="offre") as progress:

        def announce(message: str) -> None:
            progress.close()  # the ranking is over: its bar ends before the message
            click.echo(message, err=True)

        report = run_training(
            h, Path(offers), folds=folds, seed=seed, progress=progress, announce=announce
        )
    fiches = report.fiches
    click.echo(
        f"Prédiction de fiche : température {fiches['temperature']}, poids {fiches['weight']} "
        f"(choisis sur {fiches['n']} offres tenues à l'écart : {fiches['held_out']})"
    )
    click.echo(f"  {'':<32}{'fiche@1':>9}{'fiche@5':>9}{'n':>6}")
    for name, part in [("tout", fiches), *fiches["per_sector"].items()]:
        for system in ("matcher", "learned"):
            m = part[system]
            label = f"{name}, {'appris' if system == 'learned' else 'appariement'}"
            n = part["n"]
            click.echo(f"  {label:<32}{m['fiche_acc@1']:>9.3f}{m['fiche_acc@5']:>9.3f}{n:>6}")
    cv = report.cv
    click.echo(
        f"{report.labelled} offres annotées sur {report.offers} ; poids appris : popularité "
        f"{report.weights.popular}, fiche {report.weights.in_fiche} → {report.path}"
    )
    click.echo(f"Validation croisée ({cv['folds']} plis par offre, graine {cv['seed']}) :")
    click.echo(f"  {'':<32}{'recall@10':>11}{'mrr':>8}{'n':>6}")
    rows = [("tout", cv)] + list(cv["per_sector"].items())
    for name, part in rows:
        for system in ("matcher", "learned"):
            m = part[system]
            label = f"{name}, {'appris' if system == 'learned' else 'appariement'}"
            click.echo(f"  {label:<32}{m['recall@10']:>11.3f}{m['mrr']:>8.3f}{m['n']:>6}")
    click.echo(f"Apprentissage terminé en {time.perf_counter() - started:.0f} s.")
