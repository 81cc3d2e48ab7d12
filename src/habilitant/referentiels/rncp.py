"""RNCP and RS: the France Compétences XML export, flux v4.1, read as a stream.

``path`` may be the ``.xml``, the official ``.zip`` as downloaded (the XML inside is
streamed without extracting it) or a folder holding one of them (the full export is
preferred over an ``_extrait``). The file is read with ``iterparse`` and each ``FICHE``
is cleared once converted, so the national export (~70 MB zipped) never sits in memory.

Per bloc (``BLOCS_COMPETENCES/BLOC_COMPETENCES``) one :class:`Competence` of kind
``bloc`` for its title (id ``rncp:<BLOC_CODE>``) and one per statement of
``LISTE_COMPETENCES`` (id ``rncp:<BLOC_CODE>:<position>``, 1-based), see
:func:`split_competences` for how the list is cut. A statement's ``code`` is the label
the certifier gave it (``A1C1``, ``C.10``, ``1.1.1``) or, when it has none, its position.
An RS fiche has no bloc: its ``CAPACITES_ATTESTEES`` become the statements of one bloc
whose code is the fiche number (``rs:RS5719:1``...).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError, iterparse

from habilitant.domain import Bloc, Certification, Competence, Parent, Referentiel
from habilitant.errors import ReferentielError
from habilitant.referentiels.common import HINT_REDOWNLOAD, source_file
from habilitant.referentiels.registry import register_reader

_BULLET = re.compile(r"^(?:[-*](?=\s|$)|•)\s*")
_CODE = r"(?P<label>[A-Z]{1,3}\.?\d+(?:\.?[A-Z]{0,2}\.?\d+)*|\d+(?:\.\d+)*)"
# "A1C1. Evaluer", "A1C2.Apprécier", "C.10. Développer", "1 : Préparer", "1. évoluer"
_LABEL_PUNCT = re.compile(_CODE + r"\s*(?:[.:)]|-(?=\s))\s*(?=[^\W\d_])")
# "1.1.1 Auditer", "C1 Analyser" (not "3 mois", "1.5 tonnes", "CO2 émis")
_LABEL_SPACE = re.compile(_CODE + r"\s+(?=[^\W\d_])")
_LABEL_ONLY = re.compile(_CODE + r"\s*[.:)-]?$")
_BULLET_AFTER_PUNCT = re.compile(r"(?<=[.;:])\s+(?=[-*]\s)")
_DOT_BULLET = re.compile(r"\s*•\s*")
_RUN = re.compile(r"\s{2,}|\s*\n\s*")


def _starts_item(piece: str) -> bool:
    """A capital letter opening a word (``Analyser``, ``À``, ``S'adapter``), not ``SQL``."""
    first, second = piece[:1], piece[1:2]
    return first.isupper() and not second.isupper() and second != "."


def _label(piece: str) -> tuple[str, str]:
    """``A1C2.Apprécier`` -> (``A1C2``, ``Apprécier``); no label -> ("", piece)."""
    alone = _LABEL_ONLY.match(piece)
    if alone is not None:
        return alone.group("label"), ""
    match = _LABEL_PUNCT.match(piece)
    if match is None:
        match = _LABEL_SPACE.match(piece)
        if (
            match is None
            or match.group("label").isdigit()
            or not piece[match.end() : match.end() + 1].isupper()
        ):
            return "", piece
    return match.group("label"), piece[match.end() :]


def split_competences(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Cut a ``LISTE_COMPETENCES`` into ``(preamble, [(label, statement), ...])``.

    The export turned line breaks into runs of 2+ spaces. Rules, checked on the 53 blocs
    of the real extract:

    * a piece after a run of spaces (or a line break) starts a new statement when it opens
      with a bullet (``-``, ``*``, ``•``), a label (``A1C1.``, ``A5.C1.``, ``C.1.``,
      ``1.1.1``, ``1.``) or a capitalised word; otherwise (``solution   technique``,
      ``(RGPD)  et règles``) the run was plain spacing inside the statement;
    * a bullet right after ``.``, ``;`` or ``:`` also starts a statement;
    * labels are taken out of the wording and returned apart; whitespace is collapsed;
      empty statements are dropped;
    * a first piece without bullet nor label that ends with ``:`` (``En mobilisant ... :``)
      is a preamble shared by the statements, not a statement.

    Statements that the export glued together with a single space (``... artistique
    Participer aux réunions``) cannot be told apart and stay one statement.
    """
    text = _BULLET_AFTER_PUNCT.sub("  ", text.strip())
    if "•" in text:
        text = _DOT_BULLET.sub("  • ", text)
    items: list[tuple[str, list[str], bool]] = []  # (label, words, opened by a bullet)
    pending, pending_label, pending_bullet = True, "", False
    for raw in _RUN.split(text):
        piece = raw.strip()
        if not piece:
            continue
        new, bulleted = pending, pending_bullet
        bullet = _BULLET.match(piece)
        if bullet:
            piece, new, bulleted = piece[bullet.end() :], True, True
        label, rest = _label(piece)
        new = new or bool(label) or _starts_item(piece)
        label = label or pending_label
        if not rest.strip(" -*•.;:"):
            pending, pending_label, pending_bullet = True, label, bulleted
            continue
        if new or not items:
            items.append((label, [rest], bulleted))
        else:
            items[-1][1].append(piece)
        pending, pending_label, pending_bullet = False, "", False
    out = [(label, " ".join(" ".join(words).split()), b) for label, words, b in items]
    preamble = ""
    if len(out) > 1 and not out[0][0] and not out[0][2] and out[0][1].endswith(":"):
        preamble = out.pop(0)[1]
    return preamble, [(label, wording) for label, wording, _ in out]


def _text(element: Element, tag: str) -> str:
    return (element.findtext(tag) or "").strip()


def _codes(element: Element, path: str) -> tuple[str, ...]:
    return tuple(c for c in ((e.text or "").strip() for e in element.iterfind(path)) if c)


@contextmanager
def _open(path: Path, pattern: str) -> Iterator[tuple[IO[bytes], str, Path]]:
    """Yield (binary stream of the XML, name for messages, file to checksum)."""
    if path.is_dir():
        candidates = sorted(
            (p for p in path.iterdir() if re.match(pattern, p.name, re.IGNORECASE)),
            key=lambda p: ("extrait" in p.name.lower(), p.suffix.lower() != ".zip", p.name),
        )
        if not candidates:
            raise ReferentielError(
                f"Aucun export France Compétences ({pattern}) dans le dossier {path}.",
                hint=HINT_REDOWNLOAD,
            )
        path = candidates[0]
    if not path.is_file():
        raise ReferentielError(f"Le fichier {path} est introuvable.", hint=HINT_REDOWNLOAD)
    if path.stat().st_size == 0:
        raise ReferentielError(f"Le fichier {path} est vide.", hint=HINT_REDOWNLOAD)
    if path.suffix.lower() != ".zip":
        with path.open("rb") as handle:
            yield handle, str(path), path
        return
    try:
        with zipfile.ZipFile(path) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith(".xml")]
            if len(members) != 1:
                raise ReferentielError(
                    f"L'archive {path} contient {len(members)} fichiers XML au lieu d'un.",
                    hint="Donnez l'archive officielle telle que téléchargée, ou le XML extrait.",
                )
            with archive.open(members[0]) as handle:
                yield handle, f"{path}:{members[0]}", path
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, zlib.error) as exc:
        raise ReferentielError(
            f"L'archive {path} est illisible ou incomplète ({exc}).",
            hint="Le téléchargement a sans doute été interrompu : " + HINT_REDOWNLOAD,
        ) from exc


def _bloc(
    name: str,
    code: str,
    libelle: str,
    liste: str,
    modalites: str,
    certification: Parent,
    version: str,
    out: list[Competence],
) -> Bloc:
    bloc_parent = Parent("bloc", code, libelle)
    out.append(Competence(f"{name}:{code}", name, code, libelle, "bloc", (certification,), version))
    preamble, statements = split_competences(liste)
    ids = []
    for position, (label, wording) in enumerate(statements, start=1):
        statement_id = f"{name}:{code}:{position}"
        ids.append(statement_id)
        out.append(
            Competence(
                id=statement_id,
                referentiel=name,
                code=label or str(position),
                libelle=wording,
                kind="competence",
                parents=(bloc_parent, certification),
                version=version,
                definition=preamble,
            )
        )
    return Bloc(code, libelle, tuple(ids), modalites)


def _certification(
    name: str, fiche: Element, version: str, where: str, out: list[Competence], seen: set[str]
) -> Certification:
    numero = _text(fiche, "NUMERO_FICHE")
    if not numero:
        raise ReferentielError(
            f"Le fichier {where} contient une FICHE sans NUMERO_FICHE.",
            hint="Le fichier n'est pas un export France Compétences complet.",
        )
    if numero in seen:
        raise ReferentielError(
            f"Le fichier {where} contient deux fois la fiche {numero} (élément NUMERO_FICHE).",
            hint="Chaque fiche doit être unique : récupérez l'export officiel.",
        )
    seen.add(numero)
    intitule = _text(fiche, "INTITULE")
    parent = Parent("certification", numero, intitule)
    blocs: list[Bloc] = []
    bloc_codes: dict[str, int] = {}
    for element in fiche.iterfind("BLOCS_COMPETENCES/BLOC_COMPETENCES"):
        code = _text(element, "CODE") or f"{numero}BC{len(blocs) + 1:02d}"
        bloc_codes[code] = bloc_codes.get(code, 0) + 1
        if bloc_codes[code] > 1:  # a repeated code keeps both blocs, told apart
            code = f"{code}-{bloc_codes[code]}"
        blocs.append(
            _bloc(
                name,
                code,
                _text(element, "LIBELLE") or code,
                _text(element, "LISTE_COMPETENCES"),
                _text(element, "MODALITES_EVALUATION"),
                parent,
                version,
                out,
            )
        )
    capacites = _text(fiche, "CAPACITES_ATTESTEES")
    if name == "rs" and not blocs and capacites:
        blocs.append(_bloc(name, numero, intitule, capacites, "", parent, version, out))
    niveau = re.sub(r"\D", "", _text(fiche, "NOMENCLATURE_EUROPE/NIVEAU"))
    return Certification(
        code=numero,
        intitule=intitule,
        referentiel=name,
        niveau=niveau,
        etat=_text(fiche, "ETAT_FICHE"),
        actif=_text(fiche, "ACTIF").lower() == "oui",
        rome_codes=_codes(fiche, "CODES_ROME/ROME/CODE"),
        nsf_codes=_codes(fiche, "CODES_NSF/NSF/CODE"),
        formacodes=_codes(fiche, "FORMACODES/FORMACODE/CODE"),
        activites_visees=_text(fiche, "ACTIVITES_VISEES"),
        capacites_attestees=capacites,
        blocs=tuple(blocs),
        successors=_codes(
            fiche, "NOUVELLES_CERTIFICATIONS/NOUVELLE_CERTIFICATION/ID_FICHE_NOUVELLE_CERTIFICATION"
        ),
        predecessors=_codes(
            fiche, "ANCIENNES_CERTIFICATIONS/ANCIENNE_CERTIFICATION/ID_FICHE_ANCIENNE_CERTIFICATION"
        ),
    )


def read_france_competences(path: Path, name: str, title: str, pattern: str) -> Referentiel:
    """Stream an export (RNCP or RS) into a :class:`Referentiel` named ``name``."""
    competences: list[Competence] = []
    certifications: list[Certification] = []
    seen: set[str] = set()
    version = ""
    with _open(Path(path), pattern) as (stream, where, checksum_path):
        try:
            context = iterparse(stream, events=("start", "end"))
            _, root = next(context)
            if root.tag != "FICHES":
                raise ReferentielError(
                    f"Le fichier {where} n'est pas un export France Compétences "
                    f"(élément racine <{root.tag}> au lieu de <FICHES>).",
                    hint="Donnez l'export XML officiel (flux v4.1) du RNCP ou du RS.",
                )
            for event, element in context:
                if event != "end":
                    continue
                if element.tag == "VERSION_FLUX":
                    version = f"flux {(element.text or '').strip()}"
                elif element.tag == "FICHE":
                    certifications.append(
                        _certification(name, element, version, where, competences, seen)
                    )
                    element.clear()
                    root.clear()
        except ParseError as exc:
            line, column = exc.position
            raise ReferentielError(
                f"Le fichier XML {where} est mal formé ou tronqué, ligne {line}, "
                f"colonne {column} ({str(exc).split(':')[0]}).",
                hint="Le téléchargement a sans doute été interrompu : " + HINT_REDOWNLOAD,
            ) from exc
    if not certifications:
        raise ReferentielError(
            f"Le fichier {where} ne contient aucune fiche (élément FICHE).",
            hint="Donnez l'export XML officiel (flux v4.1) du RNCP ou du RS.",
        )
    return Referentiel(
        name=name,
        title=title,
        version=version,
        sources=(source_file(checksum_path),),
        competences=tuple(competences),
        certifications=tuple(certifications),
    )


@register_reader(
    "rncp",
    default_path="rncp",
    title="RNCP, export XML flux v4.1 (France Compétences)",
)
def read_rncp(path: Path) -> Referentiel:
    """The RNCP export (``.xml``, official ``.zip`` or a folder holding one)."""
    return read_france_competences(
        path, "rncp", "RNCP (France Compétences)", r"^export.fiches.RNCP.*\.(xml|zip)$"
    )


@register_reader(
    "rs",
    default_path="rncp",
    title="Répertoire spécifique, export XML flux v4.1 (France Compétences)",
)
def read_rs(path: Path) -> Referentiel:
    """The Répertoire spécifique export (same schema; no blocs)."""
    return read_france_competences(
        path, "rs", "Répertoire spécifique (France Compétences)", r"^export.fiches.RS.*\.(xml|zip)$"
    )
