"""Word lists and patterns of :mod:`habilitant.narrative` and :mod:`habilitant.narrative.context`.

Data only. Words are folded (lower case, no accents: :func:`habilitant.text.fold`), as
are the texts the patterns run on; pattern lexicons are alternations of fragments on
word boundaries, longest first. Each name says what the rules use it for.
"""

from __future__ import annotations

import re

from habilitant.text import STOPWORDS


def words(text: str) -> frozenset[str]:
    """The set of the space-separated words of ``text``."""
    return frozenset(text.split())


def _rx(fragments: str) -> re.Pattern[str]:
    """Alternation of folded fragments (separated by ";"), longest first, on word boundaries."""
    parts = sorted({f.strip() for f in fragments.split(";") if f.strip()}, key=len)
    body = "|".join(p.replace(" ", r"\s+").replace("'", r"'\s*") for p in reversed(parts))
    return re.compile(rf"(?<![a-z0-9])(?:{body})(?![a-z0-9])")


# --- Characters and tokens --------------------------------------------------------------

# Replaced before spaCy runs, one character for one: token offsets stay those of the text.
SAME_LENGTH = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00a0": " ",
        "\u202f": " ",
        "\r": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
        # Control characters (a Word table's \x07, stray bytes of a copy) read as spaces.
        **{chr(c): " " for c in (*range(0x00, 0x09), *range(0x0E, 0x20), *range(0x7F, 0xA0))},
    }
)
# Determiners (skipped before an employer or a "de" complement).
DETERMINERS = words(
    "le la l' les un une des du ce cet cette ces mon ma mes ton ta tes son sa ses notre nos "
    "votre vos leur leurs"
)
# Parts of speech of function words when the pipeline has no tagger (``spacy.blank``).
GUESSED_POS = {
    **dict.fromkeys(DETERMINERS, "DET"),
    **dict.fromkeys(
        words("je j' j tu il elle on nous vous ils elles c' ca me m' se s' y en"), "PRON"
    ),
    **dict.fromkeys(words("a au aux de d' du dans chez pour par sur avec sans en vers"), "ADP"),
    **dict.fromkeys(words("et ou mais ni puis"), "CCONJ"),
    **dict.fromkeys(words("ai as avons avez ont etais etait suis est sommes sont ete"), "AUX"),
}
# Endings that confirm the tagger's Mood=Cnd (it says Cnd for some imperfects too).
CONDITIONAL_ENDINGS = ("rais", "rait", "rions", "riez", "raient")
# Inflections stripped to find a generic verb the lemmatizer missed ("je bossais").
VERB_ENDINGS = ("aient", "ais", "ait", "ions", "iez", "ons", "ez", "ent", "ees", "es", "ee", "e")

# --- Clauses ----------------------------------------------------------------------------

# Subject clitics and their oral spellings: followed by a verb, they open a clause.
SUBJECTS = words("je j' j jai jetais jsuis chuis on nous il ils elle elles c' ca tu vous")
# Object and negation clitics between a subject and its verb.
CLITICS = words("ne n' me m' te t' se s' y en le la les l' lui leur nous vous")
# After these a subject opens no new clause ("que je", "pour nous").
NO_CLAUSE_AFTER = words(
    "que qu' qui quand lorsque lorsqu' ou si s' comme parce puisque puisqu' dont ce ne n' "
    "pour avec sans chez de d' a par sur sous vers contre entre pendant selon"
)
# Transitions that open a clause before a context phrase ("... puis chez Lidl").
TRANSITIONS = words("puis ensuite avant apres auparavant")
# What may follow such a transition (a year too).
CONTEXT_OPENERS = words("pendant durant chez dans comme en depuis au aux")
# Connectors and fillers that a new clause takes with it ("et puis je ...").
CONNECTORS = words(
    "et puis mais ensuite apres avant alors donc aussi moi euh heu bah ben bon enfin sinon "
    "bref voila pi pis"
)
# Punctuation that ends a clause.
HARD_PUNCT = frozenset(".!?;:…")

# --- Activities -------------------------------------------------------------------------

# Separators between activities inside a clause (so are tabs, spaced dashes, emojis).
SOFT_PUNCT = frozenset(",/()[]{}|+*•·▪►→✓✔=<>")
# Coordinators that may cut between two activities.
COORD = words("et ou puis mais ainsi")
# Adverbs skipped after a coordinator ("et aussi la ...").
SKIP_AFTER_COORD = words("aussi egalement surtout meme parfois souvent enfin bien encore que")
# Determiners that start a new activity after a noun, with no comma ("des lits la toilette").
JUXTAPOSED = words("le la l' les un une mon ma mes son sa ses leur leurs ce cet cette ces")
# "de" and its forms: complements.
OF = words("de d' du des")

# A verbless activity that opens with these (« les sanitaires », « du repassage ») is the
# object of the verb before it; a bare list (« infirmiers, psychologue ») is not.
SHARES_A_VERB = JUXTAPOSED | OF
# Support verbs: « j'assurais l'accueil, le standard » — the noun says the task; « assurais le
# standard » would say no more than « le standard ». Not shared, like the light verbs.
SUPPORT_VERBS = words("assurer effectuer realiser")
# Stripped at the start of a segment.
LEAD_TRIM = words(
    "et ou puis mais ensuite alors donc aussi egalement enfin bref voila euh heu bah ben bon "
    "genre sinon moi ainsi que pi pis"
)
# Stripped at the end of a segment.
TRAIL_TRIM = words("quoi voila etc etc. hein euh heu bref enfin aussi tout ca cela")
# Endings of action nouns ("préparation", "nettoyage"): such a noun shares a complement.
ACTION_SUFFIXES = ("tion", "sion", "ment", "age", "ure", "ance", "ence", "aison")

# --- Context nouns ----------------------------------------------------------------------

# Time nouns: neither activities nor roles, and no new phrase after a noun ("la nuit").
TIME_NOUNS = words(
    """an ans annee annees mois semaine semaines jour jours journee journees nuit nuits matin
    matins soir soirs midi apres-midi week-end week-ends weekend weekends ete etes hiver hivers
    printemps automne saison saisons heure heures fois temps moment moments vacances lundi
    mardi mercredi jeudi vendredi samedi dimanche lendemain veille debut fin reste plupart"""
)
# Relatives: neither roles nor employers ("chez ma mère").
FAMILY = words(
    """mere pere maman papa parents parent mari femme epoux epouse compagnon compagne conjoint
    conjointe fils fille filles enfant enfants bebe grand-mere grand-pere grands-parents
    grand mamie papi frere soeur belle-mere beau-pere tante oncle famille cousin cousine"""
)
# Children looked after at work (« je m'occupais des enfants à la cantine »): content after
# these articles, unless the piece's verb is avoir (« j'ai des enfants »); « mes enfants »
# stay relatives.
CARED_FOR = words("enfant enfants bebe bebes")
CARE_ARTICLES = words("les des aux d'")
# Contract statuses: context, neither activities nor roles.
STATUS = words(
    """benevole benevoles benevolat stagiaire stagiaires stage stages interimaire interimaires
    interim apprenti apprentie apprentis alternant alternante alternance apprentissage
    saisonnier saisonniere saisonniers cdi cdd volontaire auto-entrepreneur independant
    independante freelance etudiant etudiante chomeur chomeuse retraite retraitee
    remplacement remplacements"""
)

# --- Not work ---------------------------------------------------------------------------

# Before a proper noun, a place rather than an activity ("à Lyon").
PLACE_PREPS = words("a en vers de d' pres depuis")
# Light verbs, vague nouns and judgements: no activity on their own.
_GENERIC = words(
    """etre avoir faire aller venir pouvoir devoir vouloir falloir savoir dire aimer adorer
    plaire detester trouver penser croire sembler rester partir rentrer revenir chercher
    prendre voir passer arriver habiter vivre bosser travailler occuper commencer finir
    continuer arreter quitter changer essayer donner y chose choses truc trucs bien beau
    belle bon bonne mauvais mauvaise super genial sympa sympathique dur dure difficile
    fatigant facile interessant chance experience experiences travail boulot job jobs emploi
    emplois metier metiers poste postes mission missions gens monde
    collegue collegues ambiance patron patronne bas basse haut haute grand grande petit
    petite peu plein lot partie cote niveau"""
)
# Greetings, pay, transport, housing, weather, feelings, health, job search, availability,
# leisure.
_NOT_WORK = words(
    """bonjour bonsoir salut merci cordialement revoir madame monsieur salaire salaires smic
    paie paye payer payes remuneration remunere remunerer euro euros brut net argent bus
    train metro tram tramway voiture velo scooter trajet trajets transport transports loin
    distance kilometre kilometres km domicile appartement logement loyer meteo pleuvoir pluie
    soleil chaud froid neige chomage cv candidature postuler recherche annonce horaires
    horaire contrat contrats fatigue fatiguee stress stressant content contente heureux
    heureuse triste maladie mal reconversion deplacer dispo disponible disponibles
    disponibilite appart hlm t2 t3 t4 neveu neveux niece nieces console jeux-video psy
    burn-out soigner permis auto-ecole tuto tutos potager documentaire documentaires serie
    series film films loisir loisirs hobby hobbies"""
)
# Oral fillers and adverbs.
_FILLERS = words(
    """euh heu bah ben bon voila quoi genre enfin bref oui non ok okay etc hein alors donc
    ensuite puis apres avant aussi egalement deja toujours souvent parfois beaucoup tres trop
    vraiment surtout notamment comme tout tous toute toutes ca cela ceci"""
)
# Not content words: a piece with nothing else (and no context) gives no segment.
NOT_CONTENT = STOPWORDS | _GENERIC | _NOT_WORK | STATUS | TIME_NOUNS | _FILLERS | FAMILY
# Heading nouns, when nothing but numbers or punctuation follows ("Missions :").
HEADINGS = words(
    "poste mission tache activite fonction responsabilite competence experience postes missions "
    "taches activites fonctions responsabilites competences experiences"
)
# Parts of speech of content words ("X": untagged, with a blank pipeline).
CONTENT_POS = frozenset(("NOUN", "PROPN", "VERB", "X"))
# Wishes and plans: the piece is not experience.
WISH = words("souhaiter esperer rever envisager vouloir")
# Tastes and interests (« j'adore la cuisine et les voyages »): what a person likes is not
# what they did; the piece and the verbless ones after it in its clause give no segment.
TASTE = words("aimer adorer apprecier preferer detester kiffer passionner")
FIRST_PERSON = words("je j' j on nous")
# After "pas", these make no negation ("pas mal", "pas que").
NEGATION_EXCEPT_NEXT = words("mal que seulement")

# --- Roles ------------------------------------------------------------------------------

# Roles (jobs), found after a trigger or leading a clause.
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
# Adverbs allowed between a trigger and a role.
_ADVERBS = r"(?:(?:aussi|egalement|deja|d'abord|surtout|alors|donc|toujours|encore|plutot|la)\s+)*"
# "j'étais", "je suis", "j'ai travaillé", "embauchée"...
_TRIGGER_HEAD = (
    r"(?:j'?\s*etais|jetais|je suis|jsuis|chuis|j'?\s*ai\s+(?:\w+\s+)?ete|j'?\s*avais ete"
    r"|je suis devenue?|j'?\s*ai travaille|je travaill(?:e|ais)|j'?\s*ai bosse|je boss(?:e|ais)"
    r"|embauchee?|recrutee?|engagee?|j'?\s*ai commence|j'?\s*ai debute|j'?\s*ai fait|jai fait"
    r"|je fais(?:ais)?)"
)
# "comme", "en tant que", "poste de"...
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
# Nouns after "j'étais" that are not roles.
NOT_ROLE = (
    STATUS
    | FAMILY
    | TIME_NOUNS
    | words("demandeur demandeuse personne gens femme homme garcon chose truc fois habitude")
)
# A lexicon word followed by these is not a role ("employée par la mairie").
ROLE_STOP_AFTER = words("comme par")
# Endings of nouns that the tagger takes for adjectives ("maçon coffrage").
NOUNISH = ("age", "ment", "tion")
# Words that end a role or employer phrase.
NOT_IN_NP = (
    TIME_NOUNS
    | STATUS
    | FAMILY
    | words("tout tous toute toutes meme autre autres chaque plusieurs quelques certains aussi")
)

# --- Employers --------------------------------------------------------------------------

# Employers and sectors: kinds of workplace, sectors, brands.
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
# Prepositions before an employer.
EMPLOYER_PREPS = words("chez dans en a au aux pour")
# Stressed pronouns: "chez moi" names no employer.
PRONOUNS = words("moi toi lui elle nous vous eux elles soi")
# Acronyms after "en" or "au" that are roles, contracts or benefits, not employers.
NOT_EMPLOYER_ACRONYMS = words("cdi cdd ash avs aesh amp advf atsem smic rsa caf cv rh")

# --- Durations --------------------------------------------------------------------------

# Fragments: a count, a unit of time, a year, a month, a date.
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
NOT_DURATION_BEFORE = re.compile(
    r"(?<![a-z0-9])(?:j'?\s*ai|jai|il y a|ya|agee?s? de|a|apres|au bout d[e']"
    r"|(?:enfants?|fils|filles?|bebes?|garcons?|petite?s?) de)\s*$"
)
# A rate, not a duration ("3 jours par semaine").
NOT_DURATION_AFTER = re.compile(r"\s*(?:par|sur)\b")

# --- Contracts and family carers --------------------------------------------------------

# Fragments: a relative, a child, an illness or disability.
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
# Family-carer phrases ("je m'occupe de ma mère malade", "aidante familiale").
AIDANT = re.compile(
    r"(?<![a-z0-9])(?:(?:je\s+|j'\s*)?(?:m'\s*occupe|m'\s*occupais|me suis occupee?|m'\s*occuper"
    r"|aide|aidais|ai aide|soigne|soignais|accompagne|accompagnais|garde|gardais)"
    r"\s+(?:de\s+|d'\s*)?"
    rf"(?:ma|mon|mes|notre|nos)\s+(?:{_FAMILY_RX}(?:\s+{_ILL})?|{_CHILD_RX}\s+{_ILL})"
    rf"|(?:ma|mon|mes)\s+{_FAMILY_RX}\s+{_ILL}|(?:mon|ma|mes)\s+{_CHILD_RX}\s+{_ILL}"
    r"|(?:proche\s+)?aidante?s?(?:\s+familia\w+)?)(?![a-z0-9])"
)
# (pattern, contract type, rank): rank 0 explicit, 1 inferred.
_CONTRACT_PATTERNS = (
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
# The same, compiled on word boundaries.
CONTRACTS = tuple(
    (re.compile(rf"(?<![a-z0-9])(?:{p})(?![a-z0-9])"), kind, rank)
    for p, kind, rank in _CONTRACT_PATTERNS
)
# Status words that can name people ("stagiaires", "apprentis")...
STATUS_PERSON = re.compile(
    r"(?:stagiair|interimair|benevoles?$|apprenti(?:e|s|es)?$|saisonni|alternant)"
)
# ... and what makes them other people: "j'encadrais des apprentis" sets no contract.
OTHERS_BEFORE = re.compile(
    r"(?<![a-z0-9])(?:les|des|mes|nos|ses|leurs|aux|d'|de|plusieurs|\d+)\s*$"
)
# "en" before a carer word makes a gerund ("en aidant"), not a carer phrase.
GERUND_BEFORE = re.compile(r"\ben\s*$")

# --- Experiences ------------------------------------------------------------------------

# Words that make a clause about work (its employer is then a strong one).
WORK_INTRO = re.compile(
    r"(?<![a-z0-9])(?:travaill\w*|boss\w*|embauch\w*|recrut\w*|employ\w*|engage\w*|postes?|jobs?"
    r"|emplois?|boulots?|missions?|contrats?)(?![a-z0-9])"
)
# Fillers before a transition.
_CUE_FILLER = r"(?:(?:et|alors|bon|euh|moi|donc|mais|oui|bref|enfin)[\s,]+)*"
# A clause that starts with these may start another experience ("avant", "depuis 2019").
EXPERIENCE_CUE = re.compile(
    rf"^{_CUE_FILLER}(?:avant|auparavant|ensuite|apres|puis|sinon|autrement|aujourd'\s*hui"
    r"|actuellement|maintenant|depuis|dernierement|recemment|precedemment|parallelement"
    r"|plus tard|par la suite|a cote|en parallele|en meme temps|il y a|au debut|d'\s*abord"
    rf"|l'\s*an(?:nee)? derni\w+|l'\s*ete dernier|(?:en|de|d'|entre|depuis)?\s*{_YEAR}"
    r")(?![a-z0-9])"
)
# "aussi", "déjà", "autre" near the start: "j'ai aussi été bénévole".
ALSO_CUE = re.compile(r"^\W*(?:[\w']+\W+){0,4}?(?:aussi|egalement|deja|autre)(?![a-z0-9])")
