"""Context of an experience in a French narrative: role, employer, duration, contract.

Helpers of :mod:`habilitant.narrative`. Everything here works on :class:`Tok` (a
plain view of a spaCy token) and on the narrative folded by :func:`habilitant.text.fold`
with a map back to the original characters, so that every mention keeps an exact span.
Lexicons are folded (lower case, no accents) regular-expression fragments.

A *mention* is a piece of context found in one clause: a role (``caissière``), an
employer or sector (``EHPAD``, ``chez Carrefour`` → ``Carrefour``, ``une boulangerie``),
a duration as written (``6 mois``, ``de 2018 à 2020``, ``tous les étés``), a contract
type (one of :data:`habilitant.domain.ContractType`) or a family-carer phrase
(``je m'occupe de ma mère``). ``rank`` orders mentions of one kind: lower is stronger.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, cast

from habilitant.domain import ContractType, ExperienceContext
from habilitant.text import fold


class Tok(NamedTuple):
    """What the segmenter needs of one spaCy token (character offsets in the narrative)."""

    start: int
    end: int
    norm: str  # folded text
    lemma: str  # folded lemma (the norm when the pipeline has no lemmatizer)
    pos: str  # universal POS, guessed from word lists when the pipeline has no tagger
    cap: bool  # written with a capital first letter
    infinitive: bool  # VerbForm=Inf
    conditional: bool  # Mood=Cnd


@dataclass(frozen=True)
class Mention:
    """A piece of context with its span in the narrative."""

    kind: str  # "role" | "employer" | "duration" | "contract" | "aidant"
    start: int
    end: int
    value: str  # the text as written; the ContractType for contracts
    rank: int = 0  # lower is stronger (contracts: 0 explicit, 1 inferred)


class Folded(NamedTuple):
    """The folded narrative and maps between folded and original character indices."""

    text: str
    origin: list[int]  # origin[k]: original index of folded character k
    first: list[int]  # first[j]: folded index of original character j (len = n + 1)

    def span(self, a: int, b: int, original: str) -> tuple[int, int]:
        start, end = self.origin[a], self.origin[b - 1] + 1
        while end < len(original) and unicodedata.combining(original[end]):
            end += 1
        return start, end


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    return fold(ch)


def fold_with_offsets(text: str) -> Folded:
    """``text`` folded character by character, with the maps between both."""
    parts = [_fold_char(ch) for ch in text]
    if all(len(part) == 1 for part in parts):  # the usual case: one folded char per char
        identity = list(range(len(text) + 1))
        return Folded("".join(parts), identity[:-1], identity)
    origin: list[int] = []
    first: list[int] = []
    for j, part in enumerate(parts):
        first.append(len(origin))
        origin.extend([j] * len(part))
    first.append(len(origin))
    return Folded("".join(parts), origin, first)


fold_word = lru_cache(maxsize=1 << 16)(fold)


def _rx(fragments: str) -> re.Pattern[str]:
    """Alternation of folded fragments (separated by ";"), longest first, on word boundaries."""
    parts = sorted({f.strip() for f in fragments.split(";") if f.strip()}, key=len)
    body = "|".join(p.replace(" ", r"\s+").replace("'", r"'\s*") for p in reversed(parts))
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- Lexicons -----------------------------------------------------------------------------

TIME_NOUNS = words(
    """an ans annee annees mois semaine semaines jour jours journee journees nuit nuits matin
    matins soir soirs midi apres-midi week-end week-ends weekend weekends ete etes hiver hivers
    printemps automne saison saisons heure heures fois temps moment moments vacances lundi
    mardi mercredi jeudi vendredi samedi dimanche lendemain veille debut fin reste plupart"""
)
FAMILY = words(
    """mere pere maman papa parents parent mari femme epoux epouse compagnon compagne conjoint
    conjointe fils fille filles enfant enfants bebe grand-mere grand-pere grands-parents
    grand mamie papi frere soeur belle-mere beau-pere tante oncle famille cousin cousine"""
)
STATUS = words(
    """benevole benevoles benevolat stagiaire stagiaires stage stages interimaire interimaires
    interim apprenti apprentie apprentis alternant alternante alternance apprentissage
    saisonnier saisonniere saisonniers cdi cdd volontaire auto-entrepreneur independant
    independante freelance etudiant etudiante chomeur chomeuse retraite retraitee
    remplacement remplacements"""
)
ROLES = _rx(
    r"""
    aide[- ]?soignant(?:e)?s?; auxiliaire de vie(?: sociale)?; auxiliaire de puericulture;
    auxiliaire de soins; aide[- ]medico[- ]psychologique;
    accompagnant(?:e)? educatif et social; aesh; avs; ash; amp; advf; atsem; aide a domicile;
    aide[- ]menager(?:e)?; aide[- ]cuisini(?:er|ere); aide[- ]comptable;
    aidant(?:e)? familial(?:e)?; assistant(?:e)? maternel(?:le)?;
    assistant(?:e)? de vie(?: aux familles)?; assistant(?:e)?; infirmi(?:er|ere);
    brancardi(?:er|ere); educat(?:eur|rice)(?: specialise(?:e)?| de jeunes enfants)?;
    moniteur[- ]educateur; monitrice[- ]educatrice; animat(?:eur|rice); nounou;
    baby[- ]?sitt(?:er|eur|euse); puericultrice; ambulanci(?:er|ere); caissi(?:er|ere);
    hote(?:sse)? (?:de caisse|d'accueil); vend(?:eur|euse); employe(?:e)?;
    chef(?:fe)?(?: de rayon| de rang| de cuisine| de partie| d'equipe| de chantier| de projet)?;
    responsable; conseill(?:er|ere); commercial(?:e)?; manag(?:er|euse); gerant(?:e)?;
    direct(?:eur|rice); magasini(?:er|ere); cariste;
    preparat(?:eur|rice)(?: de commandes?| en pharmacie)?; manutentionnaire; agent(?:e)?;
    ouvri(?:er|ere); technicien(?:ne)?; operat(?:eur|rice); livr(?:eur|euse);
    chauffeur(?:[- ]livreur| poids[- ]lourds?| pl| spl| vl| de bus| routier)?;
    conduct(?:eur|rice)(?: d'engins| de bus| routier)?; coursi(?:er|ere); fact(?:eur|rice);
    posti(?:er|ere); vigile; gardien(?:ne)?; concierge; femme de (?:chambre|menage);
    valet de chambre; homme (?:d'entretien|toutes mains|de menage); veill(?:eur|euse) de nuit;
    lav(?:eur|euse) de vitres; nettoy(?:eur|euse); serv(?:eur|euse); barman; barmaid; barista;
    plong(?:eur|euse); commis(?: de cuisine| de salle)?; cuisini(?:er|ere); second de cuisine;
    equipi(?:er|ere); receptionniste; gouvernant(?:e)?; boulang(?:er|ere); patissi(?:er|ere);
    bouch(?:er|ere); charcuti(?:er|ere); poissonni(?:er|ere); macon(?:ne)?; coffreur;
    ferrailleur; plombier; chauffagiste; electricien(?:ne)?; peintre(?: en batiment)?;
    plaquiste; carreleur; menuisier; charpentier; couvreur; manoeuvre; terrassier; grutier;
    soud(?:eur|euse); chaudronnier; mecanicien(?:ne)?; carrossier; jardini(?:er|ere);
    paysagiste; agricult(?:eur|rice); elev(?:eur|euse); vendang(?:eur|euse);
    cueill(?:eur|euse); maraich(?:er|ere); palefreni(?:er|ere); secretaire(?: medicale)?;
    comptable; standardiste; teleconseill(?:er|ere); teleoperat(?:eur|rice); gestionnaire;
    informaticien(?:ne)?; developp(?:eur|euse); graphiste; professeur(?:e)?; enseignant(?:e)?;
    format(?:eur|rice); surveillant(?:e)?; coiff(?:eur|euse); estheticien(?:ne)?;
    couturi(?:er|ere); fleuriste; demenageur;
    """
)
_ADVERBS = r"(?:(?:aussi|egalement|deja|d'abord|surtout|alors|donc|toujours|encore|plutot|la)\s+)*"
_TRIGGER_HEAD = (
    r"(?:j'?\s*etais|jetais|je suis|jsuis|chuis|j'?\s*ai\s+(?:\w+\s+)?ete|j'?\s*avais ete"
    r"|je suis devenue?|j'?\s*ai travaille|je travaill(?:e|ais)|j'?\s*ai bosse|je boss(?:e|ais)"
    r"|embauchee?|recrutee?|engagee?|j'?\s*ai commence|j'?\s*ai debute|j'?\s*ai fait|jai fait"
    r"|je fais(?:ais)?)"
)
_TRIGGER_TAIL = (
    r"(?:comme|en tant qu'?\s*e?|en qualite d[e']\s*"
    r"|(?:un |au |le )?(?:poste|job|emploi|metier|contrat) d[e']\s*)"
)
# Before a role: "j'étais", "je suis", "comme", "en tant que", "poste de" (at the end of a prefix).
TRIGGER_END = re.compile(
    rf"(?<![a-z0-9])(?:{_TRIGGER_HEAD}\s+{_ADVERBS}(?:{_TRIGGER_TAIL}\s*)?(?:une?\s+)?"
    rf"|{_TRIGGER_TAIL}\s*)$"
)
# Stricter, for roles that are not in the lexicon (a plain noun after the trigger).
STRONG_TRIGGER_END = re.compile(
    r"(?<![a-z0-9])(?:j'?\s*etais|jetais|je suis|jsuis|chuis|j'?\s*ai\s+(?:\w+\s+)?ete"
    rf"|{_TRIGGER_TAIL}|(?:travaille|embauchee?|recrutee?)\s+comme)\s+{_ADVERBS}$"
)
SECTORS = _rx(
    r"""
    ehpad; ehpa; usld; maisons? de retraite; residences?(?: seniors?| services?| autonomie);
    foyers?(?: logements?| de vie| d'hebergement| d'accueil)?; hopita(?:l|ux); cliniques?; chu;
    centres? hospitali\w+;
    centres? (?:de soins|de sante|de loisirs|de vacances|de tri|de formation|d'appels?);
    centre aere; ime; esat; ssiad; saad; ccas; creches?; micro[- ]creches?; garderie;
    ecoles?(?: maternelle| primaire| elementaire)?; colleges?; lycees?; cantines?;
    colonies?(?: de vacances)?; restaurants?(?: scolaires?| d'entreprise)?;
    restos?(?: du coeur)?; restauration(?: rapide| collective| scolaire)?; brasseries?;
    pizzerias?; fast[- ]?foods?; snacks?; cafes?; bars?; hotels?; hotellerie; campings?;
    boulangeries?(?:[- ]patisseries?)?; patisseries?; boucheries?; charcuteries?;
    poissonneries?; epiceries?; superettes?; supermarches?; hypermarches?; grandes? surfaces?;
    grande distribution; magasins?; boutiques?; commerces?; usines?; entrepots?;
    plate-?formes?(?: logistiques?| telephoniques?)?; chantiers?; btp; batiment;
    travaux publics; agences?(?: d'interim| immobilieres?| de voyages?)?; mairies?;
    collectivites?(?: territoriales?)?; prefectures?; associations?; entreprises?; societes?;
    start[- ]?ups?; fermes?; exploitations?(?: agricoles?)?; vignobles?; domaines?; garages?;
    pharmacies?; laboratoires?; imprimeries?; cabinets?; call[- ]?centers?;
    parcs? d'attractions?; stations? de ski; salons? de coiffure; pressings?; blanchisseries?;
    particuliers?; industrie; secteur; carrefour; leclerc; auchan; lidl; aldi; intermarche;
    monoprix; franprix; super u; hyper u; amazon; mcdo; mc ?donalds?; mc ?donald's;
    burger king; kfc; decathlon; ikea; la poste; sncf; ratp; edf; sodexo; elior; emmaus;
    croix[- ]rouge; secours (?:populaire|catholique);
    """
)
# Sector nouns that name a field only after "dans le / la / l'" ("dans la vente").
FIELDS = words(
    """nettoyage proprete securite sante social medico-social vente commerce logistique
    transport industrie agroalimentaire agriculture batiment informatique comptabilite
    animation evenementiel tourisme education enseignement immobilier banque assurance
    automobile restauration hotellerie menage"""
)
EMPLOYER_PREPS = words("chez dans en a au aux pour")
DETERMINERS = words(
    "le la l' les un une des du ce cet cette ces mon ma mes ton ta tes son sa ses notre nos "
    "votre vos leur leurs"
)
_NUM = (
    r"(?:\d+(?:[.,]5)?|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize"
    r"|quatorze|quinze|seize|dix-\w+|vingt|trente|quarante|quelques|plusieurs|nombreuses"
    r"|nombreux|une (?:dizaine|douzaine|quinzaine|vingtaine|trentaine) d'?\s*e?)"
)
_UNIT = r"(?:jours?|semaines?|mois|ans?|annees?|saisons?|etes?|hivers?|week-?ends?)"
_YEAR = r"(?:19|20)\d\d"
_MONTH = (
    r"(?:janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre"
    r"|decembre)"
)
_WHEN = rf"(?:(?:{_MONTH}\s+)?{_YEAR}|{_MONTH}|aujourd'\s*hui|maintenant)"
# (pattern, rank): durations as written; the experience keeps the best-ranked first one.
DURATIONS = (
    (
        re.compile(
            rf"(?<![a-z0-9])(?:(?:de|d')\s*{_WHEN}\s*(?:a|au|jusqu'\s*(?:a|en))\s*{_WHEN}"
            rf"|entre\s+{_WHEN}\s+et\s+{_WHEN}|{_YEAR}\s*[-/]\s*{_YEAR}"
            rf"|depuis\s+(?:{_MONTH}\s+)?{_YEAR})(?![a-z0-9])"
        ),
        0,
    ),
    (
        re.compile(
            rf"(?<![a-z0-9])(?:depuis\s+)?(?:un an et demi|{_NUM}(?:\s+et\s+demie?)?\s+{_UNIT}"
            rf"(?:\s+et\s+demie?)?)(?![a-z0-9])"
        ),
        0,
    ),
    (
        re.compile(
            r"(?<![a-z0-9])(?:(?:tous les|toutes les|chaque)\s+(?:etes?|hivers?|saisons?|ans"
            r"|annees?|week-?ends?|vacances(?: scolaires)?)|(?:l'\s*|cet\s+|les\s+)"
            r"(?:etes?|hivers?)(?:\s+derniers?)?|pendant les vacances(?: scolaires| d'ete)?)"
            r"(?![a-z0-9])"
        ),
        1,
    ),
    (re.compile(rf"(?<![a-z0-9])en\s+{_YEAR}(?![a-z0-9])"), 2),
)
# Ages ("j'ai 45 ans", "à 18 ans", "un enfant de 3 ans") and elapsed time ("après 2 ans").
_NOT_DURATION_BEFORE = re.compile(
    r"(?<![a-z0-9])(?:j'?\s*ai|jai|il y a|ya|agee?s? de|a|apres|au bout d[e']"
    r"|(?:enfants?|fils|filles?|bebes?|garcons?|petite?s?) de)\s*$"
)
_NOT_DURATION_AFTER = re.compile(r"\s*(?:par|sur)\b")
_FAMILY_RX = (
    r"(?:mere|pere|maman|papa|parents|mari|femme|epou(?:x|se)|compagnon|compagne|conjointe?"
    r"|grand-mere|grand-pere|grands-parents|grand-mere|frere|soeur|belle-mere|beau-pere|tante"
    r"|oncle|mamie|papi)"
)
_CHILD_RX = r"(?:fils|filles?|enfants?)"
_ILL = (
    r"(?:(?:qui\s+)?(?:est|etait|etant|a ete|devenue?)\s+)?(?:malades?|handicape\w*"
    r"|polyhandicape\w*|agee?s?|dependante?s?|invalides?|autistes?)"
)
AIDANT = re.compile(
    r"(?<![a-z0-9])(?:(?:je\s+|j'\s*)?(?:m'\s*occupe|m'\s*occupais|me suis occupee?|m'\s*occuper"
    r"|aide|aidais|ai aide|soigne|soignais|accompagne|accompagnais|garde|gardais)"
    r"\s+(?:de\s+|d'\s*)?"
    rf"(?:ma|mon|mes|notre|nos)\s+(?:{_FAMILY_RX}(?:\s+{_ILL})?|{_CHILD_RX}\s+{_ILL})"
    rf"|(?:ma|mon|mes)\s+{_FAMILY_RX}\s+{_ILL}|(?:mon|ma|mes)\s+{_CHILD_RX}\s+{_ILL}"
    r"|(?:proche\s+)?aidante?s?(?:\s+familia\w+)?)(?![a-z0-9])"
)
# (pattern, contract type, rank)
CONTRACTS = (
    (r"cdi|contrat a duree indeterminee", "cdi", 0),
    (r"cdd|contrat a duree determinee", "cdd", 0),
    (r"(?:des|un|en|faisais des|fait des) remplacements?", "cdd", 1),
    (
        r"interim\w*|adecco|manpower|randstad|synergie|proman|start people|partnaire|supplay",
        "interim",
        0,
    ),
    (
        r"saisonni\w*|saisons?|vendang\w*|cueillette\w*|jobs? d'\s*ete|emplois? d'\s*ete",
        "saisonnier",
        0,
    ),
    (r"(?:tous les|les|l'|cet|chaque)\s*etes?(?:\s+derniers?)?", "saisonnier", 1),
    (r"benevol\w*", "benevolat", 0),
    (
        r"associati\w*|asso|restos? du coeur|secours (?:populaire|catholique)|croix[- ]rouge"
        r"|emmaus",
        "benevolat",
        1,
    ),
    (r"service civique", "service_civique", 0),
    (r"stages?|stagiaires?|pmsmp|periodes? (?:de mise en situation|d'\s*immersion)\w*", "stage", 0),
    (r"alternan\w*|apprenti\w*|contrat (?:pro|de professionnalisation)", "alternance", 0),
    (
        r"auto-?\s*entrepr\w*|micro-?\s*entrepr\w*|free-?\s*lances?|independant\w*|a mon compte"
        r"|mon propre compte|ma (?:propre )?(?:entreprise|societe|boite)",
        "independant",
        0,
    ),
)
_CONTRACT_RX = tuple(
    (re.compile(rf"(?<![a-z0-9])(?:{p})(?![a-z0-9])"), kind, rank) for p, kind, rank in CONTRACTS
)
_PERSONS = re.compile(
    r"(?:stagiair|interimair|benevoles?$|apprenti(?:e|s|es)?$|saisonni|alternant)"
)
_OTHERS = re.compile(r"(?<![a-z0-9])(?:les|des|mes|nos|ses|leurs|aux|d'|de|plusieurs|\d+)\s*$")
_GERUND = re.compile(r"\ben\s*$")
WORK_INTRO = re.compile(
    r"(?<![a-z0-9])(?:travaill\w*|boss\w*|embauch\w*|recrut\w*|employ\w*|engage\w*|postes?|jobs?"
    r"|emplois?|boulots?|missions?|contrats?)(?![a-z0-9])"
)
_CUE_FILLER = r"(?:(?:et|alors|bon|euh|moi|donc|mais|oui|bref|enfin)[\s,]+)*"
EXPERIENCE_CUE = re.compile(
    rf"^{_CUE_FILLER}(?:avant|auparavant|ensuite|apres|puis|sinon|autrement|aujourd'\s*hui"
    r"|actuellement|maintenant|depuis|dernierement|recemment|precedemment|parallelement"
    r"|plus tard|par la suite|a cote|en parallele|en meme temps|il y a|au debut|d'\s*abord"
    rf"|l'\s*an(?:nee)? derni\w+|l'\s*ete dernier|(?:en|de|d'|entre|depuis)?\s*{_YEAR}"
    r")(?![a-z0-9])"
)
ALSO_CUE = re.compile(r"^\W*(?:[\w']+\W+){0,4}?(?:aussi|egalement|deja|autre)(?![a-z0-9])")
_NOT_ROLE = (
    STATUS
    | FAMILY
    | TIME_NOUNS
    | words("demandeur demandeuse personne gens femme homme garcon chose truc fois habitude")
)
_ROLE_STOP_AFTER = words("comme par")
_NOUNISH = ("age", "ment", "tion")  # mis-tagged adjectives: "maçon coffrage"
_NOT_IN_NP = (
    TIME_NOUNS
    | STATUS
    | FAMILY
    | words("tout tous toute toutes meme autre autres chaque plusieurs quelques certains aussi")
)
_OF = words("de d' du des")
_PRONOUNS = words("moi toi lui elle nous vous eux elles soi")
_NOT_EMPLOYER_ACRONYMS = words("cdi cdd ash avs aesh amp advf atsem smic rsa caf cv rh")


def _alpha(tok: Tok) -> bool:
    return tok.norm[:1].isalpha()


def _token_ending_at(toks: list[Tok], j: int, b: int, end: int) -> int:
    """Index of the last token of ``toks[j:b]`` that starts before ``end``."""
    while j + 1 < b and toks[j + 1].start < end:
        j += 1
    return j


def _extend_np(toks: list[Tok], k: int, b: int, *, caps: bool = False) -> int:
    """Extend a noun phrase ending at ``k`` over adjectives and one ``de`` complement."""

    def ok(tok: Tok) -> bool:
        return _alpha(tok) and tok.norm not in _NOT_IN_NP

    k = _glue(toks, k, b)
    j, limit = k + 1, k + (4 if caps else 2)
    while (
        j < b
        and j <= limit
        and ok(toks[j])
        and (
            (toks[j].pos == "ADJ" and not toks[j].norm.endswith(_NOUNISH))
            or (caps and toks[j].cap and toks[j].pos not in ("PUNCT", "PRON", "VERB", "AUX"))
        )
    ):
        k, j = j, j + 1
    if j + 1 < b and toks[j].norm in _OF:
        n = j + 2 if toks[j + 1].norm in DETERMINERS and j + 2 < b else j + 1
        head = toks[n]
        if ok(head) and head.pos in ("NOUN", "PROPN", "X") and (caps or not head.cap):
            k = n
            while k + 1 < b and k < n + 2 and toks[k + 1].pos == "ADJ" and ok(toks[k + 1]):
                k += 1
    return _glue(toks, k, b)


def _glue(toks: list[Tok], k: int, b: int) -> int:
    """Take the tokens written without a space after ``toks[k]``: "McDonald's", "Leroy-Merlin"."""
    while (
        k + 1 < b
        and toks[k + 1].start == toks[k].end
        and (toks[k + 1].norm[:1].isalnum() or toks[k + 1].norm in ("-", "'", "&"))
    ):
        k += 1
    while toks[k].norm in ("-", "'", "&"):
        k -= 1
    return k


def find_roles(
    toks: list[Tok], a: int, b: int, content_start: int, folded: Folded, text: str
) -> list[Mention]:
    """Roles of one clause: after "j'étais", "comme", "en tant que"... or leading the clause."""
    out: list[Mention] = []
    fa = folded.first[toks[a].start]
    j = a
    while j < b:
        tok, last = toks[j], -1
        if _alpha(tok):
            fs = folded.first[tok.start]
            m = ROLES.match(folded.text, fs)
            if m and (
                TRIGGER_END.search(folded.text[max(fa, fs - 80) : fs])
                or (j == content_start and tok.pos != "VERB")
            ):
                last = _token_ending_at(toks, j, b, folded.origin[m.end() - 1] + 1)
                nxt = toks[last + 1].norm if last + 1 < b else ""
                if nxt in _ROLE_STOP_AFTER or (j == content_start and nxt in DETERMINERS):
                    last = -1
            elif (
                tok.pos == "NOUN"
                and not tok.cap
                and tok.norm not in _NOT_ROLE
                and not SECTORS.match(folded.text, fs)
                and STRONG_TRIGGER_END.search(folded.text[max(fa, fs - 80) : fs])
            ):
                last = j
        if last >= 0:
            last = _extend_np(toks, last, b)
            start, end = toks[j].start, toks[last].end
            out.append(Mention("role", start, end, text[start:end]))
            j = last + 1
        else:
            j += 1
    return out


def find_employers(
    toks: list[Tok], a: int, b: int, content_start: int, folded: Folded, text: str
) -> list[Mention]:
    """Employers or sectors: "chez X", "dans une boulangerie", "en EHPAD", "au Leclerc"."""
    out: list[Mention] = []
    j = a
    while j < b:
        prep = toks[j].norm if toks[j].norm in EMPLOYER_PREPS else ""
        if not prep and j != content_start:
            j += 1
            continue
        k = j + 1 if prep else j
        det = k < b and toks[k].norm in DETERMINERS and prep != "en"
        if det:
            k += 1
        if k >= b or not _alpha(toks[k]):
            j += 1
            continue
        head, last = toks[k], -1
        fs = folded.first[head.start]
        m = SECTORS.match(folded.text, fs)
        if prep == "chez":
            if head.pos != "PRON" and head.norm not in _PRONOUNS | FAMILY | TIME_NOUNS:
                last = _extend_np(toks, k, b, caps=True)
        elif m:
            last = _extend_np(
                toks, _token_ending_at(toks, k, b, folded.origin[m.end() - 1] + 1), b, caps=True
            )
        elif prep == "dans" and det and head.norm in FIELDS:
            last = _extend_np(toks, k, b)
        elif (
            prep in ("au", "aux", "pour", "dans")
            or (prep == "a" and det)
            or (prep == "en" and not head.cap)
        ):
            text_k = text[head.start : head.end]
            acronym = len(text_k) >= 2 and text_k.isupper() and text_k.isalpha()
            if (acronym and head.norm not in _NOT_EMPLOYER_ACRONYMS) or (
                head.cap and prep != "en" and head.pos in ("PROPN", "NOUN", "X")
            ):
                last = _extend_np(toks, k, b, caps=True)
        if last >= 0:
            first = k - 1 if det else k
            start, end = toks[first].start, toks[last].end
            rank = 0 if prep == "chez" else 2 if prep in ("a", "au", "aux") else 1
            out.append(Mention("employer", start, end, text[start:end], rank))
            j = last + 1
        else:
            j += 1
    return out


def find_spans(folded: Folded, text: str) -> list[Mention]:
    """Durations, contracts and family-carer phrases anywhere in the narrative."""
    out: list[Mention] = []
    ftext = folded.text
    for pattern, rank in DURATIONS:
        for m in pattern.finditer(ftext):
            before = ftext[max(0, m.start() - 20) : m.start()]
            if _NOT_DURATION_BEFORE.search(before) or _NOT_DURATION_AFTER.match(ftext, m.end()):
                continue
            start, end = folded.span(m.start(), m.end(), text)
            out.append(Mention("duration", start, end, text[start:end], rank))
    for pattern, kind, rank in _CONTRACT_RX:
        for m in pattern.finditer(ftext):
            if _PERSONS.match(m.group()) and _OTHERS.search(
                ftext, max(0, m.start() - 12), m.start()
            ):
                continue  # "j'encadrais des apprentis" is not an apprenticeship
            start, end = folded.span(m.start(), m.end(), text)
            out.append(Mention("contract", start, end, kind, rank))
    for m in AIDANT.finditer(ftext):
        if _GERUND.search(ftext[max(0, m.start() - 4) : m.start()]):
            continue
        start, end = folded.span(m.start(), m.end(), text)
        out.append(Mention("aidant", start, end, text[start:end]))
        out.append(Mention("contract", start, end, "aidant_familial", 0))
    return out


def assign(mentions: list[Mention], unit_starts: list[int]) -> list[list[Mention]]:
    """Group mentions by the clause (given by its first character) where they start."""
    out: list[list[Mention]] = [[] for _ in unit_starts]
    for mention in mentions:
        index = bisect.bisect_right(unit_starts, mention.start) - 1
        if index >= 0:
            out[index].append(mention)
    return out


def same_value(a: str, b: str) -> bool:
    """Loose equality of two roles or employers ("caissière" ~ "caissier", "un EHPAD" ~ "EHPAD")."""
    x, y = (
        re.sub(r"[^a-z0-9]", "", re.sub(r"^(?:(?:le|la|les|un|une|des|l')\s*)", "", fold(v)))
        for v in (a, b)
    )
    if x == y or x.startswith(y) or y.startswith(x):
        return True
    common = 0
    while common < min(len(x), len(y)) and x[common] == y[common]:
        common += 1
    return common >= 5 and common >= 0.7 * min(len(x), len(y))


# --- Experiences --------------------------------------------------------------------------


class Experience:
    """Builder of one experience while the clauses are read: its mentions and segment spans."""

    def __init__(self) -> None:
        self.mentions: list[Mention] = []
        self.spans: list[tuple[int, int]] = []

    def best(self, kind: str) -> Mention | None:
        found = [m for m in self.mentions if m.kind == kind]
        return min(found, key=lambda m: (m.rank, m.start)) if found else None

    def context(self) -> ExperienceContext:
        role, employer, duration, contract = (
            m.value if (m := self.best(k)) else ""
            for k in ("role", "employer", "duration", "contract")
        )
        return ExperienceContext(role, employer, duration, cast(ContractType, contract))

    def starts_new(
        self, mentions: list[Mention], *, cue: bool, line_start: bool, lead_end: int
    ) -> bool:
        """Whether a clause with these mentions opens another experience (module docstring)."""
        if not self.mentions and not self.spans:
            return False
        for m in mentions:
            current = self.best(m.kind)
            if current is None:
                continue
            other_job = m.kind in ("role", "employer") and m.rank == 0
            if other_job and not same_value(m.value, current.value):
                return True  # another role or employer
            new_line = m.kind == "duration" and line_start and m.start < lead_end
            if new_line and fold(m.value) != fold(current.value):
                return True  # a new line that starts with another period
        if not cue:
            return False
        for m in mentions:
            current = self.best(m.kind)
            if m.kind == "aidant":
                continue
            if current is None:
                return True
            if m.kind == "contract":
                if m.rank == 0 and m.value != current.value:
                    return True
            elif not same_value(m.value, current.value):
                return True
        return False
