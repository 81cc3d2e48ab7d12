"""Narrative -> segments: one activity each, exact spans, experiences and their context.

Most tests use the real ``fr_core_news_md`` (loaded once per module); a few use
``spacy.blank("fr")`` where the tagger is not the point.
"""

from __future__ import annotations

import subprocess
import sys
import unicodedata

import pytest

from habilitant.domain import Segment
from habilitant.errors import HabilitantError
from habilitant.narrative import (
    EXCLUDED_COMPONENTS,
    LanguageModelError,
    load_nlp,
    segment_narrative,
    segment_narratives,
)

EHPAD = (
    "J'ai fait des remplacements en EHPAD : la toilette des résidents, l'aide aux repas, "
    "la réfection des lits. Avant j'étais caissière en intérim."
)
ORAL = (
    "bonjour alors moi j'ai travaillé dans un ehpad pendant deux ans comme ash je faisais le "
    "ménage des chambres la toilette des résidents l'aide aux repas et aussi la réfection des "
    "lits on devait aussi surveiller les résidents la nuit c'était payé au smic et j'y allais "
    "en bus avant j'étais caissière en intérim chez carrefour"
)


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def texts_of(segments: list[Segment]) -> list[str]:
    return [s.text for s in segments]


def assert_spans(text: str, segments: list[Segment]) -> None:
    """Every span is exact, in range, trimmed, and segments are ordered without overlap."""
    previous_end = 0
    for s in segments:
        assert 0 <= s.start < s.end <= len(text)
        assert s.text == text[s.start : s.end]
        assert s.text == s.text.strip(" \t\r\n.,;:!?-•*()")
        assert s.start >= previous_end
        previous_end = s.end


def by_experience(segments: list[Segment]) -> dict[int, list[Segment]]:
    out: dict[int, list[Segment]] = {}
    for s in segments:
        out.setdefault(s.experience, []).append(s)
    return out


# --- The brief's example and oral French ----------------------------------------------------


def test_narrative_ehpad_example_gives_care_segments_and_a_second_experience(nlp) -> None:
    segments = segment_narrative(EHPAD, nlp)
    assert_spans(EHPAD, segments)
    first, second = by_experience(segments)[0], by_experience(segments)[1]
    assert texts_of(first) == [
        "la toilette des résidents",
        "l'aide aux repas",
        "la réfection des lits",
    ]
    assert all(s.context.employer == "EHPAD" for s in first)
    assert texts_of(second) == ["caissière"]
    assert second[0].context.role == "caissière"
    assert second[0].context.contract == "interim"
    assert second[0].context.employer == ""


def test_narrative_unpunctuated_oral_text_is_cut_into_activities(nlp) -> None:
    segments = segment_narrative(ORAL, nlp)
    assert_spans(ORAL, segments)
    found = texts_of(segments)
    for activity in (
        "je faisais le ménage des chambres",
        "la toilette des résidents",
        "l'aide aux repas",
        "la réfection des lits",
    ):
        assert activity in found
    assert any("surveiller les résidents" in t for t in found)
    assert not any(word in t for t in found for word in ("smic", "bus", "bonjour"))
    jobs = by_experience(segments)
    assert len(jobs) == 2
    care = jobs[0][0].context
    assert (care.role, care.employer, care.duration) == ("ash", "un ehpad", "deux ans")
    cashier = jobs[1]
    assert texts_of(cashier) == ["caissière"]
    assert cashier[0].context.contract == "interim"
    assert cashier[0].context.employer == "carrefour"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "j'ai fait la plonge et le service en salle",
            ["j'ai fait la plonge", "le service en salle"],
        ),
        (
            "Je faisais le ménage, le repassage et les courses.",
            ["Je faisais le ménage", "le repassage", "les courses"],
        ),
        (  # a verbal locution keeps its object: "mis en place" is not a list item
            "J'ai mis en place les tests unitaires et le déploiement sur le serveur.",
            ["J'ai mis en place les tests unitaires", "le déploiement sur le serveur"],
        ),
        (
            "j'ai pris en charge les résidents",
            ["j'ai pris en charge les résidents"],
        ),
        (
            "je fais les toilettes les transferts avec le lève-personne je distribue les "
            "médicaments",
            [
                "je fais les toilettes",
                "les transferts avec le lève-personne",
                "je distribue les médicaments",
            ],
        ),
        (
            "vider les poubelles / passer l'autolaveuse ; nettoyer les vitres",
            ["vider les poubelles", "passer l'autolaveuse", "nettoyer les vitres"],
        ),
    ],
)
def test_narrative_splits_enumerations_into_one_activity_each(nlp, text, expected) -> None:
    segments = segment_narrative(text, nlp)
    assert_spans(text, segments)
    assert texts_of(segments) == expected


@pytest.mark.parametrize(
    ("text", "verbs"),
    [
        (
            "je nettoyais les classes et les sanitaires",
            {"je nettoyais les classes": "", "les sanitaires": "nettoyais"},
        ),
        (
            "je lavais les sols, les vitres et je repassais le linge",
            {"je lavais les sols": "", "les vitres": "lavais", "je repassais le linge": ""},
        ),
        (
            "J'ai nettoyé les sols et les vitres",
            {"J'ai nettoyé les sols": "", "les vitres": "nettoyé"},
        ),
        # A light or support verb is not shared; nor is the verb of a negated piece.
        ("j'assurais l'accueil et le standard", {"j'assurais l'accueil": "", "le standard": ""}),
        ("je faisais la plonge et le service", {"je faisais la plonge": "", "le service": ""}),
        (
            "je ne faisais pas la caisse, les rayons",
            {"les rayons": ""},
        ),
        # A list after a colon is a clause of its own: nothing to share.
        (
            "En EHPAD : la toilette des résidents, l'aide aux repas",
            {"la toilette des résidents": "", "l'aide aux repas": ""},
        ),
    ],
)
def test_narrative_verbless_activity_shares_the_verb_before_it(nlp, text, verbs) -> None:
    segments = segment_narrative(text, nlp)
    assert_spans(text, segments)  # the evidence stays the person's own words
    assert {s.text: s.verb for s in segments} == verbs


@pytest.mark.parametrize(
    "text",
    [
        "Je m'occupais de la préparation et distribution des repas",
        "j'ai préparé et servi les repas",
        "la préparation et la distribution des repas",
        "le nettoyage des bureaux et des sanitaires",
        "la mise en rayon des fruits et légumes",
    ],
)
def test_narrative_keeps_one_activity_with_a_shared_complement_whole(nlp, text) -> None:
    assert texts_of(segment_narrative(text, nlp)) == [text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("toilettes repas ménage linge", ["toilettes", "repas", "ménage", "linge"]),
        (
            "je faisais les toilettes repas ménage et linge",
            ["je faisais les toilettes", "repas", "ménage", "linge"],
        ),
        ("toilettes repas chauds ménage", ["toilettes", "repas chauds", "ménage"]),
        ("encaissement mise en rayon", ["encaissement mise en rayon"]),
        ("l'entretien des locaux vitres sols", ["l'entretien des locaux vitres sols"]),
        ("Formateur Français Histoire Géographie", ["Formateur Français Histoire Géographie"]),
    ],
)
def test_narrative_splits_a_run_of_three_bare_nouns_into_one_activity_each(
    nlp, text, expected
) -> None:
    segments = segment_narrative(text, nlp)
    assert_spans(text, segments)
    assert texts_of(segments) == expected


def test_narrative_dash_and_bullet_lists_give_one_segment_per_line(nlp) -> None:
    text = (
        "- Caissière chez Carrefour (2 ans, CDI)\n"
        "- mise en rayon 😀, encaissement\tet accueil des clients\n"
        "• ouverture et fermeture de caisse\n"
        "* inventaire"
    )
    segments = segment_narrative(text, nlp)
    assert_spans(text, segments)
    assert texts_of(segments) == [
        "Caissière",
        "mise en rayon",
        "encaissement",
        "accueil des clients",
        "ouverture et fermeture de caisse",
        "inventaire",
    ]
    context = segments[0].context
    assert (context.role, context.employer, context.duration, context.contract) == (
        "Caissière",
        "Carrefour",
        "2 ans",
        "cdi",
    )
    assert {s.experience for s in segments} == {0}


def test_narrative_several_jobs_get_their_own_experience_and_context(nlp) -> None:
    text = (
        "j'ai travaillé dans le BTP pendant 5 ans comme maçon je conduisais des engins "
        "puis pendant 2 ans chez Amazon comme préparateur de commandes en intérim je "
        "faisais le picking et le chargement des camions\n"
        "Expérience 3 : serveuse au restaurant Le Petit Zinc, 2021-2022\n"
        "- service en salle, prise de commandes"
    )
    segments = segment_narrative(text, nlp)
    assert_spans(text, segments)
    jobs = by_experience(segments)
    assert sorted(jobs) == [0, 1, 2]
    btp, amazon, restaurant = jobs[0][0].context, jobs[1][0].context, jobs[2][0].context
    assert (btp.role, btp.employer, btp.duration) == ("maçon", "le BTP", "5 ans")
    assert "je conduisais des engins" in texts_of(jobs[0])
    assert (amazon.role, amazon.employer, amazon.contract) == (
        "préparateur de commandes",
        "Amazon",
        "interim",
    )
    assert texts_of(jobs[1])[-2:] == ["je faisais le picking", "le chargement des camions"]
    assert (restaurant.role, restaurant.duration) == ("serveuse", "2021-2022")
    assert restaurant.employer == "restaurant Le Petit Zinc"
    assert texts_of(jobs[2]) == ["serveuse", "service en salle", "prise de commandes"]


def test_narrative_transition_with_new_employer_starts_an_experience(nlp) -> None:
    text = (
        "Je travaillais en cuisine dans un restaurant, je faisais l'épluchage des légumes. "
        "Le patron était sympa. Après je suis partie à Lyon, j'ai trouvé un poste d'hôtesse "
        "de caisse chez Lidl en CDI de 2015 à 2019 : encaissement, renseigner les clients"
    )
    segments = segment_narrative(text, nlp)
    assert_spans(text, segments)
    jobs = by_experience(segments)
    assert jobs[0][0].context.employer == "un restaurant"
    assert "je faisais l'épluchage des légumes" in texts_of(jobs[0])
    assert not any("Lyon" in t or "patron" in t for t in texts_of(segments))
    lidl = jobs[1][0].context
    assert (lidl.role, lidl.employer, lidl.duration, lidl.contract) == (
        "hôtesse de caisse",
        "Lidl",
        "de 2015 à 2019",
        "cdi",
    )
    assert texts_of(jobs[1]) == ["hôtesse de caisse", "encaissement", "renseigner les clients"]


@pytest.mark.parametrize(
    ("text", "jobs"),
    [
        ("ASH en EHPAD, AVS en école", [("ASH", "EHPAD", ""), ("AVS", "école", "")]),
        (
            "Caissière chez Lidl en CDI, vendeuse chez Zara en intérim",
            [("Caissière", "Lidl", "cdi"), ("vendeuse", "Zara", "interim")],
        ),
        (
            "je suis vendeuse chez Zara, caissière chez Zara depuis 2 ans",
            [("vendeuse", "Zara", "")],
        ),
        (
            "j'étais caissière chez Lidl, vendeuse en CDD, je faisais la caisse",
            [("caissière", "Lidl", "cdd")],
        ),
    ],
)
def test_narrative_jobs_on_one_comma_line_are_experiences_when_each_has_an_employer(
    nlp, text, jobs
) -> None:
    segments = segment_narrative(text, nlp)
    assert_spans(text, segments)
    contexts = [exp[0].context for exp in by_experience(segments).values()]
    assert [(c.role, c.employer, c.contract) for c in contexts] == jobs


# --- What is not about work ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, il fait beau et je cherche un appartement.",
        "c'était payé au SMIC",
        "Le salaire était bas.",
        "J'y allais en bus, c'était loin de chez moi.",
        "J'ai bien aimé.",
        "Merci beaucoup, bonne journée !",
        "je cherche du travail dans la vente, je suis au chômage depuis un an",
        "Je ne faisais pas la caisse.",
        "Je voudrais devenir aide-soignante. J'aimerais travailler avec des enfants.",
        "Bonjour, je m'appelle Fatima, j'ai 45 ans et 3 enfants.",
        "J'ai des enfants.",
        "Je m'occupais de mes enfants.",
        # Tastes, with the verbless pieces after them (« et les voyages »).
        "J'adore la cuisine et les voyages, et j'aime bien le foot.",
        "Je suis passionnée de couture.",
        "",
        "   \n\t ",
        "🙂🙂 !!! ...",
    ],
)
def test_narrative_text_not_about_work_gives_no_segment(nlp, text) -> None:
    assert segment_narrative(text, nlp) == []


def test_narrative_taste_beside_a_job_drops_only_the_taste(nlp) -> None:
    text = (
        "Serveuse dans une crêperie : je prenais les commandes. Sinon j'adore la photographie "
        "et les voyages, et je range les tables."
    )
    assert [s.text for s in segment_narrative(text, nlp)] == [
        "Serveuse dans une crêperie",
        "je prenais les commandes",
        "je range les tables",
    ]
    # Not the speaker's taste: an offer's wording keeps its segment.
    offer = "Une première expérience en grande distribution est appréciée."
    assert [s.text for s in segment_narrative(offer, nlp)] == [offer[:-1]]


def test_narrative_children_looked_after_at_work_are_an_activity(nlp) -> None:
    text = "Je m'occupais des enfants à la cantine, je surveillais la récréation et les sorties."
    segments = segment_narrative(text, nlp)
    assert_spans(text, segments)
    assert texts_of(segments) == [
        "Je m'occupais des enfants à la cantine",
        "je surveillais la récréation",
        "les sorties",
    ]


def test_narrative_drops_pay_and_transport_but_keeps_the_activities_around(nlp) -> None:
    text = (
        "Je faisais la plonge. C'était payé au SMIC. J'y allais en bus. "
        "Je préparais aussi les entrées."
    )
    assert texts_of(segment_narrative(text, nlp)) == [
        "Je faisais la plonge",
        "Je préparais aussi les entrées",
    ]


def test_narrative_context_only_clause_gives_a_segment_for_the_role_only(nlp) -> None:
    assert texts_of(segment_narrative("J'ai travaillé trois ans dans une boulangerie.", nlp)) == []
    segments = segment_narrative("Avant, j'étais agent d'entretien en CDD.", nlp)
    assert texts_of(segments) == ["agent d'entretien"]
    assert segments[0].context.contract == "cdd"


def test_narrative_headings_are_not_activities(nlp) -> None:
    text = "Expérience 2\nMissions : accueil des clients, encaissement\nActivités manuelles"
    assert texts_of(segment_narrative(text, nlp)) == [
        "accueil des clients",
        "encaissement",
        "Activités manuelles",
    ]


# --- Contracts, durations, family carers, volunteering, seasonal work -------------------------


def test_narrative_people_one_works_with_do_not_set_the_contract(nlp) -> None:
    segments = segment_narrative("Je suis maçon, j'encadre des apprentis et des intérimaires.", nlp)
    assert texts_of(segments) == ["maçon", "j'encadre des apprentis"]
    assert {(s.context.role, s.context.contract) for s in segments} == {("maçon", "")}


def test_narrative_destination_after_a_is_not_an_employer(nlp) -> None:
    segments = segment_narrative("Je garde des enfants, je les emmène à l'école le matin.", nlp)
    assert texts_of(segments) == ["Je garde des enfants", "je les emmène à l'école le matin"]
    assert {s.context.employer for s in segments} == {""}
    work = segment_narrative("Je travaille à l'école Jules Ferry, je surveille la cantine.", nlp)
    assert {s.context.employer for s in work} == {"l'école Jules Ferry"}


def test_narrative_family_carer_is_an_experience_with_its_activities(nlp) -> None:
    text = (
        "Je m'occupe de mon père malade depuis 2021 : je gère ses rendez-vous médicaux, "
        "ses papiers administratifs et je lui donne ses médicaments."
    )
    segments = segment_narrative(text, nlp)
    assert_spans(text, segments)
    assert texts_of(segments) == [
        "Je m'occupe de mon père malade",
        "je gère ses rendez-vous médicaux",
        "ses papiers administratifs",
        "je lui donne ses médicaments",
    ]
    assert {s.context.contract for s in segments} == {"aidant_familial"}
    assert {s.context.duration for s in segments} == {"depuis 2021"}


def test_narrative_volunteering_after_family_care_is_another_experience(nlp) -> None:
    text = (
        "Je suis aidante familiale : je prépare les repas de ma mère. J'ai aussi été "
        "bénévole aux Restos du Coeur tous les hivers, je faisais la distribution des colis."
    )
    segments = segment_narrative(text, nlp)
    jobs = by_experience(segments)
    assert texts_of(jobs[0]) == ["aidante familiale", "je prépare les repas de ma mère"]
    assert jobs[0][0].context.contract == "aidant_familial"
    volunteer = jobs[1]
    assert texts_of(volunteer) == ["je faisais la distribution des colis"]
    assert volunteer[0].context.contract == "benevolat"
    assert volunteer[0].context.employer == "Restos du Coeur"
    assert volunteer[0].context.duration == "tous les hivers"


def test_narrative_seasonal_work_keeps_the_harvest_as_an_activity(nlp) -> None:
    text = (
        "Tous les étés je fais les vendanges. Sinon je travaille dans une boulangerie en CDD "
        "depuis 6 mois, je fais la vente et l'encaissement."
    )
    jobs = by_experience(segment_narrative(text, nlp))
    assert texts_of(jobs[0]) == ["je fais les vendanges"]
    assert (jobs[0][0].context.contract, jobs[0][0].context.duration) == (
        "saisonnier",
        "Tous les étés",
    )
    bakery = jobs[1][0].context
    assert (bakery.employer, bakery.contract, bakery.duration) == (
        "une boulangerie",
        "cdd",
        "depuis 6 mois",
    )
    assert texts_of(jobs[1]) == ["je fais la vente", "l'encaissement"]


@pytest.mark.parametrize(
    ("sentence", "contract"),
    [
        ("J'étais en CDI, je faisais la caisse.", "cdi"),
        ("En CDD de remplacement, je faisais la caisse.", "cdd"),
        ("En intérim, je faisais la caisse.", "interim"),
        ("J'ai fait une mission d'interim, je faisais la caisse.", "interim"),
        ("Par une agence d'intérim, je faisais la caisse.", "interim"),
        ("Pendant la saison, je faisais la caisse.", "saisonnier"),
        ("J'étais bénévole, je faisais la caisse.", "benevolat"),
        ("Dans une association, je faisais la caisse.", "benevolat"),
        ("Pendant mon stage, je faisais la caisse.", "stage"),
        ("En apprentissage, je faisais la caisse.", "alternance"),
        ("En alternance, je faisais la caisse.", "alternance"),
        ("Pendant mon service civique, je faisais la caisse.", "service_civique"),
        ("Je suis auto-entrepreneuse, je fais des retouches.", "independant"),
        ("En freelance, je faisais des sites web.", "independant"),
        ("Je m'occupe de ma mère, je lui fais la toilette.", "aidant_familial"),
        ("Je faisais la caisse.", ""),
    ],
)
def test_narrative_contract_type_is_read_from_the_words_used(nlp, sentence, contract) -> None:
    segments = segment_narrative(sentence, nlp)
    assert segments, sentence
    assert {s.context.contract for s in segments} == {contract}


@pytest.mark.parametrize(
    ("sentence", "duration"),
    [
        ("Pendant 6 mois je faisais la caisse.", "6 mois"),
        ("J'ai fait la caisse pendant deux ans.", "deux ans"),
        ("De 2018 à 2020, je faisais la caisse.", "De 2018 à 2020"),
        ("Tous les étés je faisais la caisse.", "Tous les étés"),
        ("Je fais la caisse depuis 2019.", "depuis 2019"),
        ("Je fais la caisse depuis un an et demi.", "depuis un an et demi"),
        ("J'ai 45 ans, je faisais la caisse.", ""),
        ("Je faisais la caisse 3 jours par semaine.", ""),
    ],
)
def test_narrative_duration_is_kept_as_written(nlp, sentence, duration) -> None:
    segments = segment_narrative(sentence, nlp)
    assert segments and {s.context.duration for s in segments} == {duration}


# --- Offsets on messy input --------------------------------------------------------------------

MESSY = [
    EHPAD,
    ORAL,
    "jai fait de la garde denfants chez des particuliers et du menage, je repassais le linge",
    "Bonjour 👋\r\nJ’ai bossé 3 ans en usine\tsur une ligne de production 🏭 : contrôle "
    "qualité, emballage\r\nPuis j’ai été cariste avec le CACES 3 et 5 chez Geodis.\r\nMerci !",
    "  \t- Aide-soignante à l’hôpital de 2018 à 2020 , j’ai fait les soins d'hygiène  ",
    unicodedata.normalize(
        "NFD", "J'étais employée polyvalente : réception, préparation et vérification"
    ),
    "«Je faisais la plonge» … puis le service\u00a0en salle\u202f!!! 😅😅",
    "1) accueil des patients 2) prise de rendez-vous 3) facturation",
    "ASH en EHPAD, AVS en école, CACES R489 cat 3, BTP: coffrage/ferraillage",
    "j ai fé la toilete des résidans et le menage des chanbres, pi le servise du repas",
    "Œuvre : aide à la cuisine ; ﬁches techniques ; entretien du matériel",
    "\n\n\n",
]


@pytest.mark.parametrize("text", MESSY)
def test_narrative_offsets_are_exact_on_messy_text(nlp, text) -> None:
    assert_spans(text, segment_narrative(text, nlp))


def test_narrative_messy_texts_still_give_their_activities(nlp) -> None:
    typos = segment_narrative(MESSY[9], nlp)
    assert len(typos) >= 3
    assert any("toilete" in s.text for s in typos)
    numbered = texts_of(segment_narrative(MESSY[7], nlp))
    assert numbered == ["accueil des patients", "prise de rendez-vous", "facturation"]
    nfd = segment_narrative(MESSY[5], nlp)
    assert nfd[0].context.role == unicodedata.normalize("NFD", "employée polyvalente")


# --- Batches, the blank pipeline, loading --------------------------------------------------------


def test_segment_narratives_matches_one_by_one(nlp) -> None:
    assert segment_narratives(MESSY, nlp, batch_size=4) == [
        segment_narrative(t, nlp) for t in MESSY
    ]


def test_narrative_with_blank_pipeline_still_splits_lists_with_exact_offsets() -> None:
    import spacy

    blank = spacy.blank("fr")
    text = "- plonge\r\n- service en salle ; encaissement 🙂\n- Bonjour"
    segments = segment_narrative(text, blank)
    assert_spans(text, segments)
    assert texts_of(segments) == ["plonge", "service en salle", "encaissement"]
    segments = segment_narrative(EHPAD, blank)
    assert_spans(EHPAD, segments)
    assert texts_of(segments)[:3] == [
        "la toilette des résidents",
        "l'aide aux repas",
        "la réfection des lits",
    ]


def test_load_nlp_is_cached_without_parser_nor_ner(nlp) -> None:
    assert load_nlp() is nlp
    for name in EXCLUDED_COMPONENTS:
        assert name not in nlp.pipe_names
    assert {"morphologizer", "lemmatizer", "senter"} <= set(nlp.pipe_names)


def test_load_nlp_missing_model_says_how_to_install(monkeypatch) -> None:
    import spacy

    def missing(*args, **kwargs):
        raise OSError("[E050] Can't find model 'fr_core_news_md'.")

    monkeypatch.setattr(spacy, "load", missing)
    with pytest.raises(LanguageModelError) as caught:
        load_nlp.__wrapped__()  # the uncached loader: the cached pipeline stays as it is
    assert isinstance(caught.value, HabilitantError)
    assert "fr_core_news_md" in caught.value.message
    assert "make install" in caught.value.hint


def test_language_model_error_is_the_one_of_habilitant_errors() -> None:
    from habilitant import errors

    assert LanguageModelError is errors.LanguageModelError
    assert (LanguageModelError.code, LanguageModelError.http_status) == (
        "modele_langue_indisponible",
        503,
    )


def test_import_narrative_loads_no_spacy() -> None:
    code = "import sys, habilitant.narrative; sys.exit('spacy' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
