"""ROME 4.0 (France Travail open data, the ``unix_*_v<NNN>_utf8.csv`` set).

What is read, from the folder holding the CSV set:

* fiches métiers (``unix_referentiel_code_rome``) with their appellations
  (``unix_referentiel_appellation``, long label) and definition
  (``unix_texte``, ``libelle_type_texte=definition``, sentences in ``position_phrase``
  order joined by a line break);
* every row of ``unix_referentiel_competence``: nature ``Compétence`` -> kind
  ``competence``, ``Macro-compétence`` -> ``macro_competence``; whatever the nature,
  ``cat_comp = Savoir-être professionnel`` -> ``savoir_etre`` (in version 460 the 16
  savoir-être are all macro-compétences). A compétence's first parent is its
  macro-compétence (``code_ogr_macro_comp``);
* every row of ``unix_referentiel_savoir`` (kind ``savoir``);
* the fiche <-> item links of ``unix_coherence_item`` become :class:`FicheItem` (with
  ``coeur_metier``) and a ``fiche`` parent of the item. Links to contextes de travail
  (not competences) are skipped and counted in ``counts["liens_ignores"]``;
* each appellation as a crosswalk ``rome-appellation:<code_ogr>`` -> ``rome-fiche:<code_rome>``
  (relation ``skos:broader``, label the appellation's long label), so the ESCO <-> ROME
  mapping reaches fiches;
* each fiche's ``code_rome_parent`` as a crosswalk ``rome-fiche:<code>`` ->
  ``rome-fiche:<parent>`` (relation ``code_rome_parent``, the parent being the fiche itself
  for the 532 fiches that keep a ROME 3 code): how the older tables' ROME 3 codes reach the
  ROME 4.0 fiches derived from them.

Ids are ``rome:<code_ogr>``. The export doubles apostrophes inside fields
(``l''entretien``): every value is restored to a single ``'``. The version comes from the
file names (``v460`` -> ``460``), the title from ``version.txt`` when present.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from habilitant.domain import (
    Competence,
    CompetenceKind,
    Crosswalk,
    Fiche,
    FicheItem,
    Parent,
    Referentiel,
)
from habilitant.errors import ReferentielError
from habilitant.referentiels.common import CsvTable, check_unique, decode, read_csv, where
from habilitant.referentiels.registry import register_reader

NAME = "rome"
_FILE = re.compile(r"^unix_referentiel_code_rome_v(\d+)_utf8\.csv$")
_SAVOIR_ETRE = "Savoir-être professionnel"
_NATURES: dict[str, CompetenceKind] = {
    "Compétence": "competence",
    "Macro-compétence": "macro_competence",
}


def _undouble(value: str) -> str:
    return value.replace("''", "'")


def _version(folder: Path) -> str:
    if not folder.is_dir():
        raise ReferentielError(
            f"Le dossier ROME {folder} est introuvable.",
            hint="Indiquez le dossier qui contient les fichiers unix_*_utf8.csv du ROME 4.0 "
            "(habilitant referentiels download les y place).",
        )
    versions = sorted({m.group(1) for p in folder.iterdir() if (m := _FILE.match(p.name))})
    if not versions:
        raise ReferentielError(
            f"Aucun fichier unix_referentiel_code_rome_v<version>_utf8.csv dans {folder}.",
            hint="Décompressez l'archive CSV officielle du ROME 4.0 dans ce dossier.",
        )
    if len(versions) > 1:
        raise ReferentielError(
            f"Le dossier {folder} mélange plusieurs versions du ROME : {', '.join(versions)}.",
            hint="Gardez une seule version des fichiers unix_*_v<version>_utf8.csv.",
        )
    return versions[0]


def _title(folder: Path, version: str) -> str:
    path = folder / "version.txt"
    title = f"ROME 4.0 v{version}"
    if not path.is_file():
        return title
    text = decode(path, path.read_bytes(), "utf-8")
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip():
            fields.setdefault(key.strip().lower(), value.strip())
    published = fields.get("date de publication", "")
    label = fields.get("titre/commentaire", "")
    if label:
        title = f"{label} (v{version})"
    return f"{title}, publiée le {published}" if published else title


@register_reader(NAME, default_path="rome-4.0", title="ROME 4.0 (France Travail)")
def read_rome(path: Path) -> Referentiel:
    """Read the ROME 4.0 CSV set in folder ``path``."""
    folder = Path(path)
    version = _version(folder)

    def table(stem: str, required: tuple[str, ...]) -> CsvTable:
        file = folder / f"unix_{stem}_v{version}_utf8.csv"
        return read_csv(file, required=required, clean_text=_undouble)

    codes = table("referentiel_code_rome", ("code_rome", "libelle_rome"))
    appellations = table("referentiel_appellation", ("code_ogr", "libelle_appellation_long"))
    competences = table(
        "referentiel_competence",
        ("code_ogr", "nature", "libelle_competence", "code_ogr_macro_comp", "cat_comp"),
    )
    savoirs = table("referentiel_savoir", ("code_ogr_savoir", "libelle_savoir"))
    coherence = table("coherence_item", ("code_rome", "code_ogr", "coeur_metier"))
    textes = table("texte", ("code_rome", "libelle_type_texte", "position_phrase"))
    check_unique(codes, "code_rome")
    check_unique(appellations, "code_ogr")
    check_unique(competences, "code_ogr")
    check_unique(savoirs, "code_ogr_savoir")

    fiche_libelle = {row["code_rome"]: row["libelle_rome"] for row in codes.rows}

    def fiche_of(tbl: CsvTable, line: int, code: str) -> str:
        if code not in fiche_libelle:
            raise ReferentielError(
                f"Le fichier {where(tbl.path, line)} cite la fiche {code}, absente de "
                f"{codes.path.name}.",
                hint="Les fichiers du dossier ne viennent pas de la même version du ROME : "
                "téléchargez à nouveau l'archive complète.",
            )
        return code

    names_by_fiche: dict[str, list[str]] = defaultdict(list)
    crosswalks = []
    for line, row in appellations:
        code = fiche_of(appellations, line, row["code_rome"])
        names_by_fiche[code].append(row["libelle_appellation_long"])
        crosswalks.append(
            Crosswalk(
                f"rome-appellation:{row['code_ogr']}",
                f"rome-fiche:{code}",
                "skos:broader",
                label=row["libelle_appellation_long"],
            )
        )
    for line, row in codes:
        parent = (row.get("code_rome_parent") or "").strip()
        if parent:
            crosswalks.append(
                Crosswalk(
                    f"rome-fiche:{row['code_rome']}",
                    f"rome-fiche:{fiche_of(codes, line, parent)}",
                    "code_rome_parent",
                    label=row["libelle_rome"],
                )
            )

    sentences: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for line, row in textes:
        if row["libelle_type_texte"] != "definition":
            continue
        try:
            position = int(row["position_phrase"])
        except ValueError as exc:
            raise ReferentielError(
                f"Le fichier {where(textes.path, line)} a une position_phrase non numérique "
                f"« {row['position_phrase']} ».",
                hint="Récupérez le fichier officiel.",
            ) from exc
        sentences[fiche_of(textes, line, row["code_rome"])].append(
            (position, row["libelle_texte"].strip())
        )

    items: dict[str, tuple[str, str, CompetenceKind, str]] = {}  # id -> code, libelle, kind, def
    macro_of: dict[str, str] = {}
    for line, row in competences:
        kind = _NATURES.get(row["nature"])
        if kind is None:
            raise ReferentielError(
                f"Le fichier {where(competences.path, line)} a une nature inconnue "
                f"« {row['nature']} » (attendu : {', '.join(_NATURES)}).",
                hint="Cette version du ROME n'est pas encore prise en charge : signalez-le.",
            )
        if row["cat_comp"] == _SAVOIR_ETRE:
            kind = "savoir_etre"
        code = row["code_ogr"]
        items[f"{NAME}:{code}"] = (code, row["libelle_competence"], kind, row["definition"])
        if row["code_ogr_macro_comp"]:
            macro_of[f"{NAME}:{code}"] = row["code_ogr_macro_comp"]
    for row in savoirs.rows:
        code = row["code_ogr_savoir"]
        if f"{NAME}:{code}" in items:
            raise ReferentielError(
                f"Le code {code} est à la fois une compétence et un savoir "
                f"({competences.path.name}, {savoirs.path.name}).",
                hint="Les fichiers ne viennent pas de la même version du ROME.",
            )
        items[f"{NAME}:{code}"] = (code, row["libelle_savoir"], "savoir", "")

    parents: dict[str, list[Parent]] = defaultdict(list)
    for item_id, macro in macro_of.items():
        macro_item = items.get(f"{NAME}:{macro}")
        if macro_item is None:
            raise ReferentielError(
                f"Le fichier {competences.path} rattache {item_id} à la macro-compétence "
                f"{macro}, qui n'existe pas.",
                hint="Récupérez le fichier officiel complet.",
            )
        parents[item_id].append(Parent("macro_competence", macro, macro_item[1]))

    fiche_items: dict[str, list[FicheItem]] = defaultdict(list)
    ignored = 0
    for line, row in coherence:
        fiche = fiche_of(coherence, line, row["code_rome"])
        item_id = f"{NAME}:{row['code_ogr']}"
        if item_id not in items:
            ignored += 1  # contextes de travail
            continue
        fiche_items[fiche].append(FicheItem(item_id, row["coeur_metier"]))
        parents[item_id].append(
            Parent("fiche", fiche, fiche_libelle[fiche], role=row["coeur_metier"])
        )

    fiches = tuple(
        Fiche(
            code=code,
            libelle=libelle,
            referentiel=NAME,
            appellations=tuple(names_by_fiche.get(code, ())),
            items=tuple(fiche_items.get(code, ())),
            definition="\n".join(text for _, text in sorted(sentences.get(code, ()))),
        )
        for code, libelle in fiche_libelle.items()
    )
    return Referentiel(
        name=NAME,
        title=_title(folder, version),
        version=version,
        sources=tuple(
            t.source for t in (codes, appellations, competences, savoirs, coherence, textes)
        ),
        competences=tuple(
            Competence(
                id=item_id,
                referentiel=NAME,
                code=code,
                libelle=libelle,
                kind=kind,
                parents=tuple(parents.get(item_id, ())),
                version=version,
                definition=definition,
            )
            for item_id, (code, libelle, kind, definition) in items.items()
        ),
        fiches=fiches,
        crosswalks=tuple(crosswalks),
        counts={
            "appellations": len(appellations),
            "fiche_items": sum(len(v) for v in fiche_items.values()),
            "liens_ignores": ignored,
        },
    )
