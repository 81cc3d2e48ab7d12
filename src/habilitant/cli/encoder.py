"""``habilitant encoder``: list the known encoders, install one offline."""

from __future__ import annotations

import click

from habilitant.cli.context import settings_of


@click.group()
def encoder() -> None:
    """Encodeurs de textes : lister, installer."""


@encoder.command("list")
@click.pass_context
def encoder_list(ctx: click.Context) -> None:
    """Les encodeurs connus, leur licence et s'ils sont installés."""
    from habilitant.encoder import KNOWN_ENCODERS
    from habilitant.encoder.convert import read_manifest

    settings = settings_of(ctx)
    for profile in KNOWN_ENCODERS.values():
        installed = read_manifest(settings.models_dir / profile.name) is not None
        chosen = "*" if profile.name == settings.encoder else " "
        state = "installé" if installed else f"absent ({profile.install})"
        click.echo(
            f"{chosen} {profile.name:<22} {profile.dimension:>4} d  "
            f"licence : {profile.licence:<20} {state}"
        )


@encoder.command("install")
@click.argument("name", type=click.Choice(["embeddinggemma", "multilingual-e5-small"]))
@click.option("--force", is_flag=True, help="Réinstaller même si le modèle est présent.")
@click.pass_context
def encoder_install(ctx: click.Context, name: str, force: bool) -> None:
    """Télécharger, vérifier (empreintes, exemple de la fiche du modèle) et installer un encodeur.

    EmbeddingGemma-300M est soumis aux conditions d'utilisation de Gemma (Google), pas à une
    licence libre ; multilingual-e5-small est sous licence MIT.
    """
    settings = settings_of(ctx)
    if name == "embeddinggemma":
        from habilitant.encoder.gemma import EMBEDDINGGEMMA, install

        path = install(EMBEDDINGGEMMA, settings.models_dir, force=force)
        click.echo(f"EmbeddingGemma-300M installé et vérifié → {path}")
        click.echo(f"Licence : {EMBEDDINGGEMMA.licence}.")
        click.echo(
            "Pour l'utiliser : HABILITANT_ENCODER=embeddinggemma-300m habilitant index build"
        )
    else:
        from habilitant.encoder.convert import DEFAULT_MODEL_NAME, build_default_model

        path = build_default_model(settings.models_dir / DEFAULT_MODEL_NAME, force=force)
        click.echo(f"multilingual-e5-small installé → {path}")
