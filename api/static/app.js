// habilitant — the conseiller's page. No framework, no external resource.
"use strict";

// The words shown for the codes (decisions, statuses, suggestion kinds, referentials) come
// from the service (GET /labels), the one place they are written; until then, the codes.
const LABELS = { decisions: {}, statuses: {}, suggestion_kinds: {}, referentiels: {} };
const label = (group, code) => LABELS[group][code] || code;

const $ = (id) => document.getElementById(id);
const etat = { recits: [], markdown: "", cible: "", selection: null };

function el(tag, attrs = {}, ...enfants) {
  const node = document.createElement(tag);
  for (const [cle, valeur] of Object.entries(attrs)) {
    if (cle === "class") node.className = valeur;
    else if (cle.startsWith("on")) node.addEventListener(cle.slice(2), valeur);
    else if (valeur !== false && valeur !== null && valeur !== undefined) node.setAttribute(cle, valeur);
  }
  for (const enfant of enfants.flat()) {
    if (enfant === null || enfant === undefined) continue;
    node.append(enfant instanceof Node ? enfant : document.createTextNode(String(enfant)));
  }
  return node;
}

function pourcent(ratio) {
  return `${Math.round(100 * ratio)} %`;
}

// --- Service -----------------------------------------------------------------------

class ErreurService extends Error {
  constructor(message, code, statut) {
    super(message);
    this.code = code;
    this.statut = statut;
  }
}

async function appeler(chemin, corps) {
  const entetes = { Accept: "application/json" };
  const cle = sessionStorage.getItem("habilitant-cle");
  if (cle) entetes["X-API-Key"] = cle;
  const options = { headers: entetes };
  if (corps !== undefined) {
    options.method = "POST";
    entetes["Content-Type"] = "application/json";
    options.body = JSON.stringify(corps);
  }
  let reponse;
  try {
    reponse = await fetch(chemin, options);
  } catch (erreur) {
    throw new ErreurService(
      "Le serveur ne répond pas. Vérifiez que « habilitant serve » est lancé, puis réessayez.",
      "serveur_injoignable",
      0,
    );
  }
  let donnees = null;
  try {
    donnees = await reponse.json();
  } catch (erreur) {
    donnees = null;
  }
  if (!reponse.ok) {
    if (reponse.status === 401) $("zone-cle").hidden = false;
    const detail = donnees && donnees.detail ? donnees.detail : `Erreur ${reponse.status}.`;
    const conseil = donnees && donnees.hint ? ` ${donnees.hint}` : "";
    throw new ErreurService(detail + conseil, donnees ? donnees.code : "", reponse.status);
  }
  return donnees;
}

async function surveillerService() {
  const zone = $("etat-service");
  for (;;) {
    try {
      const reponse = await fetch("/health");
      const donnees = await reponse.json();
      if (reponse.ok) {
        zone.textContent = "Service prêt.";
        zone.className = "etat pret";
        return true;
      }
      zone.textContent =
        donnees.status === "failed"
          ? `Le service n'a pas pu démarrer : ${donnees.detail}`
          : "Le service démarre (chargement des modèles)…";
      if (donnees.status === "failed") return false;
    } catch (erreur) {
      zone.textContent = "Le serveur ne répond pas. Nouvelle tentative…";
    }
    await new Promise((fin) => setTimeout(fin, 2000));
  }
}

async function chargerReferentiels() {
  const zone = $("referentiels");
  try {
    const [liste, mots] = await Promise.all([appeler("/referentiels"), appeler("/labels")]);
    Object.assign(LABELS, mots);
    if ($("referentiels-vide")) $("referentiels-vide").remove();
    for (const referentiel of liste) {
      const id = `ref-${referentiel.name}`;
      zone.append(
        el(
          "span",
          { class: "choix" },
          el("input", { type: "checkbox", id, name: "referentiel", value: referentiel.name, checked: "" }),
          el("label", { for: id }, referentiel.label || referentiel.title),
        ),
      );
    }
  } catch (erreur) {
    if ($("referentiels-vide")) $("referentiels-vide").textContent = `Liste indisponible : ${erreur.message}`;
  }
}

// --- Saisie ------------------------------------------------------------------------

function ajouterRecit() {
  const numero = document.querySelectorAll("#recits textarea").length + 1;
  const id = `recit-${numero}`;
  const bloc = el(
    "div",
    { class: "recit" },
    el("label", { for: id }, `Entretien ${numero}`),
    el("textarea", { id, name: "recit", rows: "6" }),
  );
  $("recits").append(bloc);
  $(id).focus();
}

function afficherErreur(message) {
  const zone = $("erreur");
  zone.hidden = !message; // shown first, then filled: screen readers announce the change
  zone.textContent = message;
}

function occupe(actif, texte = "Analyse en cours…") {
  $("progression").hidden = !actif;
  $("progression-texte").textContent = texte;
  $("analyser").disabled = actif;
  $("formulaire").setAttribute("aria-busy", actif ? "true" : "false");
}

async function analyser(evenement) {
  evenement.preventDefault();
  afficherErreur("");
  const cle = $("cle").value.trim();
  if (cle) sessionStorage.setItem("habilitant-cle", cle);
  // NFC, as the server normalises: evidence offsets count code points of this very text.
  const textes = [...document.querySelectorAll("#recits textarea")]
    .map((zone) => zone.value.normalize("NFC"))
    .filter((texte) => texte.trim());
  if (!textes.length) {
    afficherErreur("Saisissez au moins un récit avant de lancer l'analyse.");
    $("recit-1").focus();
    return;
  }
  if (!document.querySelector("input[name=referentiel]")) await chargerReferentiels();
  const referentiels = [...document.querySelectorAll("input[name=referentiel]:checked")].map(
    (c) => c.value,
  );
  if (document.querySelector("input[name=referentiel]") && !referentiels.length) {
    afficherErreur("Cochez au moins un référentiel.");
    document.querySelector("input[name=referentiel]").focus();
    return;
  }
  const cible = $("cible").value.trim();
  occupe(true);
  try {
    occupe(true, textes.length > 1 ? `Analyse des ${textes.length} récits…` : "Analyse du récit…");
    // One request: the server reads the narratives once for statements, coverage, suggestions.
    const vue = await appeler("/overview", {
      texts: textes,
      referentiels,
      certification: cible || null,
      include_markdown: Boolean(cible),
      limit: 5,
    });
    const [analyses, couverture, suggestions] = [vue.analyses, vue.coverage, vue.suggestions];
    etat.recits = textes;
    afficherResultats(analyses, couverture, suggestions);
  } catch (erreur) {
    afficherErreur(erreur.message);
  } finally {
    occupe(false);
    if (!$("erreur").hidden) $("analyser").focus(); // focus was on the disabled button
  }
}

// --- Résultats ---------------------------------------------------------------------

function afficherResultats(analyses, couverture, suggestions) {
  const avertissements = [
    ...analyses.flatMap((a, i) => a.warnings.map((w) => (analyses.length > 1 ? `Récit ${i + 1} : ${w}` : w))),
    ...(couverture ? couverture.warnings : []),
  ];
  $("avertissements").replaceChildren(
    ...[...new Set(avertissements)].map((w) => el("p", { class: "avertissement" }, w)),
  );
  afficherRecits([]);
  afficherEnonces(analyses);
  afficherCouverture(couverture);
  afficherSuggestions(suggestions);
  const resultats = $("resultats");
  resultats.hidden = false;
  resultats.focus();
}

function afficherRecits(preuves) {
  // preuves: [{narrative, start, end}] to highlight, in the original text (offsets).
  const vue = $("vue-recits");
  vue.replaceChildren();
  etat.recits.forEach((texte, numero) => {
    const spans = preuves
      .filter((p) => (p.narrative || 0) === numero)
      .sort((a, b) => a.start - b.start);
    const bloc = el("div", { class: "recit-lu", "data-recit": String(numero) });
    if (etat.recits.length > 1) bloc.append(el("h4", {}, `Entretien ${numero + 1}`));
    const paragraphe = el("p", {});
    const points = Array.from(texte); // offsets are in code points, not UTF-16 units
    const morceau = (debut, fin) => points.slice(debut, fin).join("");
    let position = 0;
    for (const span of spans) {
      if (span.start < position) continue;
      paragraphe.append(morceau(position, span.start));
      paragraphe.append(el("mark", { class: "preuve" }, morceau(span.start, span.end)));
      position = span.end;
    }
    paragraphe.append(morceau(position));
    bloc.append(paragraphe);
    vue.append(bloc);
  });
}

function selectionner(bouton, preuves) {
  for (const autre of document.querySelectorAll("[aria-pressed=true]")) {
    autre.setAttribute("aria-pressed", "false");
  }
  bouton.setAttribute("aria-pressed", "true");
  afficherRecits(preuves);
  $("annonce").textContent = `${preuves.length} preuve(s) surlignée(s) dans le récit.`;
  const premiere = document.querySelector("#vue-recits mark");
  if (premiere) premiere.scrollIntoView({ block: "nearest" });
}

function afficherEnonces(analyses) {
  const zone = $("enonces");
  zone.replaceChildren();
  let total = 0;
  analyses.forEach((analyse, numero) => {
    if (analyses.length > 1) zone.append(el("h4", { class: "entretien" }, `Entretien ${numero + 1}`));
    if (!analyse.statements.length) {
      zone.append(
        el("p", { class: "vide" }, "Aucune compétence ne peut être affirmée à partir de ce récit."),
      );
      return;
    }
    const parReferentiel = new Map();
    for (const enonce of analyse.statements) {
      if (!parReferentiel.has(enonce.referentiel)) parReferentiel.set(enonce.referentiel, []);
      parReferentiel.get(enonce.referentiel).push(enonce);
    }
    for (const [referentiel, enonces] of parReferentiel) {
      zone.append(el("h4", {}, label("referentiels", referentiel)));
      const liste = el("ul", { class: "enonces" });
      for (const enonce of enonces) {
        total += 1;
        const preuves = enonce.evidence.map((e) => ({ ...e, narrative: numero }));
        const lieu = enonce.parents
          .slice(0, 3)
          .map((p) => `${p.kind} ${p.code}`)
          .join(" · ");
        const bouton = el(
          "button",
          { type: "button", class: "enonce", "aria-pressed": "false", "data-id": enonce.competence_id },
          el("span", { class: "libelle" }, enonce.libelle),
          el("span", { class: `decision ${enonce.decision}` }, label("decisions", enonce.decision)),
          el("span", { class: "score" }, `score ${enonce.score.toFixed(2)}`),
          el("span", { class: "lieu" }, `${enonce.competence_id}${lieu ? " · " + lieu : ""}`),
        );
        bouton.addEventListener("click", () => selectionner(bouton, preuves));
        liste.append(el("li", {}, bouton));
      }
      zone.append(liste);
    }
  });
  $("annonce").textContent = `${total} compétence(s) trouvée(s).`;
}

function afficherCouverture(couverture) {
  const section = $("couverture");
  section.hidden = !couverture;
  if (!couverture) return;
  etat.markdown = couverture.markdown || "";
  etat.cible = couverture.target.code;
  const cible = couverture.target;
  const profondeur =
    couverture.depth === "bloc_titles"
      ? "jugée sur les intitulés des blocs (liste des compétences non publiée)"
      : "jugée sur les compétences de chaque bloc";
  $("couverture-resume").replaceChildren(
    el(
      "p",
      {},
      el("strong", {}, `${cible.code} — ${cible.libelle}`),
      ` : couverture globale ${pourcent(couverture.coverage_ratio)}, ${profondeur}.`,
    ),
  );
  // Chart: one stacked bar per bloc; the text beside it says the same for screen readers.
  const graphique = $("graphique");
  graphique.replaceChildren();
  for (const bloc of couverture.blocs) {
    const compte = { covered: 0, partial: 0, missing: 0 };
    for (const c of bloc.competences) compte[c.status] += 1;
    const n = bloc.competences.length || 1;
    const barre = el(
      "div",
      { class: "barre", "aria-hidden": "true" },
      ...["covered", "partial", "missing"].map((statut) => {
        const part = el("span", { class: `part ${statut}` });
        part.style.width = `${(100 * compte[statut]) / n}%`; // CSSOM: allowed by the CSP
        return part;
      }),
    );
    graphique.append(
      el(
        "div",
        { class: "ligne-bloc", "data-bloc": bloc.code },
        el("span", { class: "nom-bloc" }, `${bloc.code} ${bloc.libelle}`),
        barre,
        el(
          "span",
          { class: "chiffres" },
          `${pourcent(bloc.coverage_ratio)} — ${compte.covered} couverte(s), ${compte.partial} partielle(s), ${compte.missing} manquante(s)`,
          bloc.ready_for_vae ? " — prêt pour une VAE partielle" : "",
        ),
      ),
    );
  }
  const blocs = $("blocs");
  blocs.replaceChildren();
  for (const bloc of couverture.blocs) {
    const details = el(
      "details",
      { class: "bloc", open: "" },
      el("summary", {}, `${bloc.code} — ${bloc.libelle} (${pourcent(bloc.coverage_ratio)})`),
    );
    for (const statut of ["covered", "partial", "missing"]) {
      const items = bloc.competences.filter((c) => c.status === statut);
      if (!items.length) continue;
      const mot = label("statuses", statut);
      details.append(el("h4", {}, `${mot[0].toUpperCase()}${mot.slice(1)}s`));
      const liste = el("ul", { class: `statut-${statut}` });
      for (const item of items) {
        if (statut === "missing") {
          liste.append(el("li", {}, item.libelle));
          continue;
        }
        const bouton = el(
          "button",
          { type: "button", class: "enonce", "aria-pressed": "false" },
          el("span", { class: "libelle" }, item.libelle),
          el("span", { class: `decision ${statut}` }, label("statuses", statut)),
        );
        bouton.addEventListener("click", () => selectionner(bouton, item.evidence));
        liste.append(el("li", {}, bouton));
      }
      details.append(liste);
    }
    blocs.append(details);
  }
}

function afficherSuggestions(donnees) {
  const section = $("suggestions");
  const zone = $("liste-suggestions");
  zone.replaceChildren();
  section.hidden = false;
  if (!donnees.suggestions.length) {
    zone.append(el("p", { class: "vide" }, "Aucune certification ni fiche n'est étayée par ces récits."));
    return;
  }
  let type = null;
  let liste = null;
  for (const s of donnees.suggestions) {
    if (s.kind !== type) {
      type = s.kind;
      zone.append(el("h4", {}, label("suggestion_kinds", type)));
      liste = el("ol", { class: "suggestions" });
      zone.append(liste);
    }
    const niveau = s.niveau ? `, niveau ${s.niveau}` : "";
    const actif = s.actif ? "" : ", inactive";
    liste.append(
      el(
        "li",
        {},
        el("strong", {}, `${s.code} ${s.libelle}`),
        ` (${s.referentiel}${niveau}${actif}) — ${pourcent(s.coverage_ratio)}`,
        el("br"),
        el("span", { class: "pourquoi" }, s.why),
      ),
    );
  }
}

// --- Synthèse ----------------------------------------------------------------------

async function copierSynthese() {
  try {
    await navigator.clipboard.writeText(etat.markdown);
    $("annonce").textContent = "Synthèse copiée dans le presse-papiers.";
  } catch (erreur) {
    afficherErreur("La copie a été refusée par le navigateur : utilisez le téléchargement.");
  }
}

function telechargerSynthese() {
  const blob = new Blob([etat.markdown], { type: "text/markdown;charset=utf-8" });
  const lien = el("a", { href: URL.createObjectURL(blob), download: `synthese-${etat.cible}.md` });
  document.body.append(lien);
  lien.click();
  lien.remove();
  setTimeout(() => URL.revokeObjectURL(lien.href), 10000);
}

document.addEventListener("DOMContentLoaded", async () => {
  $("formulaire").addEventListener("submit", analyser);
  $("ajouter-recit").addEventListener("click", ajouterRecit);
  $("copier").addEventListener("click", copierSynthese);
  $("telecharger").addEventListener("click", telechargerSynthese);
  $("imprimer").addEventListener("click", () => window.print());
  $("cle").addEventListener("change", () => {
    sessionStorage.setItem("habilitant-cle", $("cle").value.trim());
    if (!document.querySelector("input[name=referentiel]")) chargerReferentiels();
  });
  if (sessionStorage.getItem("habilitant-cle")) $("zone-cle").hidden = false;
  if (await surveillerService()) await chargerReferentiels();
});
