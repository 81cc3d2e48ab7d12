// habilitant — the conseiller's page. No framework, no external resource.
"use strict";

// The words shown for the codes (decisions, statuses, suggestion kinds, referentials, links)
// come from the service (GET /labels), the one place they are written; until then, the codes.
const LABELS = {
  decisions: {},
  statuses: {},
  suggestion_kinds: {},
  referentiels: {},
  links: {},
  link_relations: {},
};
const label = (group, code) => LABELS[group][code] || code;

const $ = (id) => document.getElementById(id);
const state = { recits: [], markdown: "", cible: "", selection: null };

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== false && value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function percent(ratio) {
  return `${Math.round(100 * ratio)} %`;
}

// --- Service -----------------------------------------------------------------------

class ServiceError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.statut = status;
  }
}

async function callApi(path, body) {
  const headers = { Accept: "application/json" };
  const key = sessionStorage.getItem("habilitant-cle");
  if (key) headers["X-API-Key"] = key;
  const options = { headers: headers };
  if (body !== undefined) {
    options.method = "POST";
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    throw new ServiceError(
      "Le serveur ne répond pas. Vérifiez que « habilitant serve » est lancé, puis réessayez.",
      "serveur_injoignable",
      0,
    );
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (!response.ok) {
    if (response.status === 401) $("zone-cle").hidden = false;
    const detail = data && data.detail ? data.detail : `Erreur ${response.status}.`;
    const hint = data && data.hint ? ` ${data.hint}` : "";
    throw new ServiceError(detail + hint, data ? data.code : "", response.status);
  }
  return data;
}

async function watchService() {
  const zone = $("etat-service");
  for (;;) {
    try {
      const response = await fetch("/health");
      const data = await response.json();
      if (response.ok) {
        zone.textContent = "Service prêt.";
        zone.className = "etat pret";
        return true;
      }
      zone.textContent =
        data.status === "failed"
          ? `Le service n'a pas pu démarrer : ${data.detail}`
          : "Le service démarre (chargement des modèles)…";
      if (data.status === "failed") return false;
    } catch (error) {
      zone.textContent = "Le serveur ne répond pas. Nouvelle tentative…";
    }
    await new Promise((end) => setTimeout(end, 2000));
  }
}

async function loadReferentiels() {
  const zone = $("referentiels");
  try {
    const [list, words] = await Promise.all([callApi("/referentiels"), callApi("/labels")]);
    Object.assign(LABELS, words);
    if ($("referentiels-vide")) $("referentiels-vide").remove();
    for (const referentiel of list) {
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
  } catch (error) {
    if ($("referentiels-vide")) $("referentiels-vide").textContent = `Liste indisponible : ${error.message}`;
  }
}

// --- Input -------------------------------------------------------------------------

function addNarrative() {
  const number = document.querySelectorAll("#recits textarea").length + 1;
  const id = `recit-${number}`;
  const bloc = el(
    "div",
    { class: "recit" },
    el("label", { for: id }, `Entretien ${number}`),
    el("textarea", { id, name: "recit", rows: "6" }),
  );
  $("recits").append(bloc);
  $(id).focus();
}

function showError(message) {
  const zone = $("erreur");
  zone.hidden = !message; // shown first, then filled: screen readers announce the change
  zone.textContent = message;
}

function setBusy(active, text = "Analyse en cours…") {
  $("progression").hidden = !active;
  $("progression-texte").textContent = text;
  $("analyser").disabled = active;
  $("formulaire").setAttribute("aria-busy", active ? "true" : "false");
}

async function runAnalysis(event) {
  event.preventDefault();
  showError("");
  const key = $("cle").value.trim();
  if (key) sessionStorage.setItem("habilitant-cle", key);
  // Sent in NFC and shown as sent: the evidence offsets the server gives index this text.
  const texts = [...document.querySelectorAll("#recits textarea")]
    .map((zone) => zone.value.normalize("NFC"))
    .filter((text) => text.trim());
  if (!texts.length) {
    showError("Saisissez au moins un récit avant de lancer l'analyse.");
    $("recit-1").focus();
    return;
  }
  if (!document.querySelector("input[name=referentiel]")) await loadReferentiels();
  const referentiels = [...document.querySelectorAll("input[name=referentiel]:checked")].map(
    (c) => c.value,
  );
  if (document.querySelector("input[name=referentiel]") && !referentiels.length) {
    showError("Cochez au moins un référentiel.");
    document.querySelector("input[name=referentiel]").focus();
    return;
  }
  const target = $("cible").value.trim();
  setBusy(true);
  try {
    setBusy(true, texts.length > 1 ? `Analyse des ${texts.length} récits…` : "Analyse du récit…");
    // One request: the server reads the narratives once for statements, coverage, suggestions.
    const view = await callApi("/overview", {
      texts: texts,
      referentiels,
      certification: target || null,
      include_markdown: Boolean(target),
      limit: 5,
    });
    const [analyses, coverage, suggestions] = [view.analyses, view.coverage, view.suggestions];
    state.recits = texts;
    showResults(analyses, coverage, suggestions);
  } catch (error) {
    showError(error.message);
  } finally {
    setBusy(false);
    if (!$("erreur").hidden) $("analyser").focus(); // focus was on the disabled button
  }
}

// --- Results ----------------------------------------------------------------------

function showResults(analyses, coverage, suggestions) {
  const warnings = [
    ...analyses.flatMap((a, i) => a.warnings.map((w) => (analyses.length > 1 ? `Récit ${i + 1} : ${w}` : w))),
    ...(coverage ? coverage.warnings : []),
  ];
  $("avertissements").replaceChildren(
    ...[...new Set(warnings)].map((w) => el("p", { class: "avertissement" }, w)),
  );
  showNarratives([]);
  showStatements(analyses);
  showCoverage(coverage);
  showSuggestions(suggestions);
  const results = $("resultats");
  results.hidden = false;
  results.focus();
}

function showNarratives(quotes) {
  // quotes: [{narrative, start, end}] to highlight, in the original text (offsets).
  const view = $("vue-recits");
  view.replaceChildren();
  state.recits.forEach((text, number) => {
    const spans = quotes
      .filter((p) => (p.narrative || 0) === number)
      .sort((a, b) => a.start - b.start);
    const bloc = el("div", { class: "recit-lu", "data-recit": String(number) });
    if (state.recits.length > 1) bloc.append(el("h4", {}, `Entretien ${number + 1}`));
    const paragraph = el("p", {});
    const points = Array.from(text); // offsets are in code points, not UTF-16 units
    const piece = (start, end) => points.slice(start, end).join("");
    let position = 0;
    for (const span of spans) {
      if (span.start < position) continue;
      paragraph.append(piece(position, span.start));
      paragraph.append(el("mark", { class: "preuve" }, piece(span.start, span.end)));
      position = span.end;
    }
    paragraph.append(piece(position));
    bloc.append(paragraph);
    view.append(bloc);
  });
}

function select(button, quotes) {
  for (const other of document.querySelectorAll("[aria-pressed=true]")) {
    other.setAttribute("aria-pressed", "false");
  }
  button.setAttribute("aria-pressed", "true");
  showNarratives(quotes);
  $("annonce").textContent = `${quotes.length} preuve(s) surlignée(s) dans le récit.`;
  const first = document.querySelector("#vue-recits mark");
  if (first) first.scrollIntoView({ block: "nearest" });
}

function showStatements(analyses) {
  const zone = $("enonces");
  zone.replaceChildren();
  let total = 0;
  analyses.forEach((analyse, number) => {
    if (analyses.length > 1) zone.append(el("h4", { class: "entretien" }, `Entretien ${number + 1}`));
    if (!analyse.statements.length) {
      zone.append(
        el("p", { class: "vide" }, "Aucune compétence ne peut être affirmée à partir de ce récit."),
      );
      return;
    }
    const byReferentiel = new Map();
    for (const statement of analyse.statements) {
      if (!byReferentiel.has(statement.referentiel)) byReferentiel.set(statement.referentiel, []);
      byReferentiel.get(statement.referentiel).push(statement);
    }
    for (const [referentiel, statements] of byReferentiel) {
      zone.append(el("h4", {}, label("referentiels", referentiel)));
      const list = el("ul", { class: "enonces" });
      for (const statement of statements) {
        total += 1;
        const quotes = statement.evidence.map((e) => ({ ...e, narrative: number }));
        const place = statement.parents
          .slice(0, 3)
          .map((p) => `${p.kind} ${p.code}`)
          .join(" · ");
        const button = el(
          "button",
          { type: "button", class: "enonce", "aria-pressed": "false", "data-id": statement.competence_id },
          el("span", { class: "libelle" }, statement.libelle),
          el("span", { class: `decision ${statement.decision}` }, label("decisions", statement.decision)),
          el("span", { class: "score" }, `score ${statement.score.toFixed(2)}`),
          el("span", { class: "lieu" }, `${statement.competence_id}${place ? " · " + place : ""}`),
        );
        button.addEventListener("click", () => select(button, quotes));
        list.append(el("li", {}, button, statementRelations(statement)));
      }
      zone.append(list);
    }
  });
  $("annonce").textContent = `${total} compétence(s) trouvée(s).`;
}

// --- Links between referentials -------------------------------------------------------
// Official links (« lien officiel ») are the publishers' tables; neighbours (« proche ») are
// computed by the service and never an equivalence. Both are always labelled as such.

function tag(kind) {
  return el("span", { class: `etiquette ${kind}` }, label("links", kind));
}

function neighbourItem(neighbour) {
  const places = neighbour.parents
    .filter((p) => p.kind !== "fiche")
    .slice(0, 2)
    .map((p) => `${p.kind} ${p.code}`);
  const where = [label("referentiels", neighbour.referentiel), ...places].join(" · ");
  return el(
    "li",
    { class: "proche", "data-id": neighbour.competence_id },
    tag("proche"),
    " ",
    el("span", { class: "libelle-lien" }, neighbour.libelle),
    el("span", { class: "lieu-lien" }, ` — ${where} (score ${neighbour.score.toFixed(2)})`),
  );
}

function officialLinkItem(link) {
  const relation = LABELS.link_relations[link.relation] || link.relation;
  const level = link.niveau ? ` · niveau ${link.niveau}` : "";
  const state = link.actif === false ? " · inactive" : "";
  const via = link.relation === "fiche_parente" && link.via ? ` : ${link.via}` : "";
  const code = link.referentiel === "esco" ? "" : `${link.code} — `;
  return el(
    "li",
    { class: "officiel", "data-code": link.code },
    tag("officiel"),
    " ",
    el("span", { class: "libelle-lien" }, `${code}${link.libelle}`),
    el("span", { class: "lieu-lien" }, ` — ${relation}${via}${level}${state}`),
  );
}

function statementRelations(statement) {
  const neighbours = statement.neighbours || [];
  const links = statement.links || [];
  const fiches = statement.parents.filter((p) => p.kind === "fiche").slice(0, 3);
  const details = el(
    "details",
    { class: "relations", "data-id": statement.competence_id },
    el(
      "summary",
      {},
      `Proches et liens officiels (${neighbours.length} proche(s), ${links.length} lien(s) officiel(s))`,
    ),
  );
  details.append(
    el(
      "p",
      { class: "titre-relations" },
      "Proches dans les autres référentiels ",
      el("span", { class: "aide" }, "(rapprochement calculé, pas une équivalence)"),
    ),
  );
  details.append(
    neighbours.length
      ? el("ul", { class: "liens proches" }, neighbours.map(neighbourItem))
      : el("p", { class: "vide" }, "Aucun énoncé d'un autre référentiel n'atteint le seuil."),
  );
  details.append(el("p", { class: "titre-relations" }, "Liens officiels"));
  details.append(
    links.length
      ? el("ul", { class: "liens officiels" }, links.map(officialLinkItem))
      : el(
          "p",
          { class: "vide" },
          "Aucun lien officiel pour l'énoncé lui-même : les tables officielles relient les fiches métiers et les certifications.",
        ),
  );
  for (const fiche of fiches) details.append(ficheLinks(fiche.code, fiche.libelle));
  return details;
}

// A ROME fiche opens on the certifications that prepare for it and its ESCO occupations
// (GET /fiches/{code}, asked the first time it is opened).
function ficheLinks(code, libelle) {
  const zone = el("div", { class: "contenu-liens" }, el("p", { class: "aide" }, "Chargement…"));
  const details = el(
    "details",
    { class: "fiche-liens", "data-fiche": code },
    el("summary", {}, `Fiche ${code} ${libelle} : certifications qui y mènent`),
    zone,
  );
  details.addEventListener("toggle", async () => {
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = "1";
    try {
      const fiche = await callApi(`/fiches/${encodeURIComponent(code)}`);
      zone.replaceChildren(...ficheLinkBlocks(fiche.links || []));
    } catch (error) {
      delete details.dataset.loaded;
      zone.replaceChildren(el("p", { class: "vide" }, `Liens indisponibles : ${error.message}`));
    }
  });
  return details;
}

function ficheLinkBlocks(links) {
  const shown = 10;
  const certifications = links.filter((l) => l.referentiel !== "esco" && l.status === "valid");
  const seen = new Set();
  const occupations = links.filter(
    (l) => l.referentiel === "esco" && !seen.has(l.code) && seen.add(l.code),
  );
  const blocks = [el("h5", {}, "Certifications qui mènent à ce métier")];
  if (certifications.length) {
    blocks.push(el("ul", { class: "liens certifications" }, certifications.slice(0, shown).map(officialLinkItem)));
    if (certifications.length > shown) {
      blocks.push(el("p", { class: "aide" }, `… et ${certifications.length - shown} autre(s).`));
    }
  } else {
    blocks.push(el("p", { class: "vide" }, "Aucune certification chargée ne cite cette fiche ni sa fiche parente."));
  }
  blocks.push(el("h5", {}, "Métiers ESCO"));
  blocks.push(
    occupations.length
      ? el("ul", { class: "liens esco" }, occupations.slice(0, 5).map(officialLinkItem))
      : el("p", { class: "vide" }, "Aucun métier ESCO n'est rattaché à cette fiche."),
  );
  return blocks;
}

function showCoverage(coverage) {
  const section = $("couverture");
  section.hidden = !coverage;
  if (!coverage) return;
  state.markdown = coverage.markdown || "";
  state.cible = coverage.target.code;
  const target = coverage.target;
  const depth =
    coverage.depth === "bloc_titles"
      ? "jugée sur les intitulés des blocs (liste des compétences non publiée)"
      : "jugée sur les compétences de chaque bloc";
  $("couverture-resume").replaceChildren(
    el(
      "p",
      {},
      el("strong", {}, `${target.code} — ${target.libelle}`),
      ` : couverture globale ${percent(coverage.coverage_ratio)}, ${depth}.`,
    ),
    target.kind === "fiche" && target.referentiel === "rome" ? ficheLinks(target.code, target.libelle) : "",
  );
  // Chart: one stacked bar per bloc; the text beside it says the same for screen readers.
  const chart = $("graphique");
  chart.replaceChildren();
  for (const bloc of coverage.blocs) {
    const counts = { covered: 0, partial: 0, missing: 0 };
    for (const c of bloc.competences) counts[c.status] += 1;
    const n = bloc.competences.length || 1;
    const bar = el(
      "div",
      { class: "barre", "aria-hidden": "true" },
      ...["covered", "partial", "missing"].map((status) => {
        const part = el("span", { class: `part ${status}` });
        part.style.width = `${(100 * counts[status]) / n}%`; // CSSOM: allowed by the CSP
        return part;
      }),
    );
    chart.append(
      el(
        "div",
        { class: "ligne-bloc", "data-bloc": bloc.code },
        el("span", { class: "nom-bloc" }, `${bloc.code} ${bloc.libelle}`),
        bar,
        el(
          "span",
          { class: "chiffres" },
          `${percent(bloc.coverage_ratio)} — ${counts.covered} couverte(s), ${counts.partial} partielle(s), ${counts.missing} manquante(s)`,
          bloc.ready_for_vae ? " — prêt pour une VAE partielle" : "",
        ),
      ),
    );
  }
  const blocs = $("blocs");
  blocs.replaceChildren();
  for (const bloc of coverage.blocs) {
    const details = el(
      "details",
      { class: "bloc", open: "" },
      el("summary", {}, `${bloc.code} — ${bloc.libelle} (${percent(bloc.coverage_ratio)})`),
    );
    for (const status of ["covered", "partial", "missing"]) {
      const items = bloc.competences.filter((c) => c.status === status);
      if (!items.length) continue;
      const word = label("statuses", status);
      details.append(el("h4", {}, `${word[0].toUpperCase()}${word.slice(1)}s`));
      const list = el("ul", { class: `statut-${status}` });
      for (const item of items) {
        if (status === "missing") {
          list.append(el("li", {}, item.libelle));
          continue;
        }
        const button = el(
          "button",
          { type: "button", class: "enonce", "aria-pressed": "false" },
          el("span", { class: "libelle" }, item.libelle),
          el("span", { class: `decision ${status}` }, label("statuses", status)),
        );
        button.addEventListener("click", () => select(button, item.evidence));
        list.append(el("li", {}, button));
      }
      details.append(list);
    }
    blocs.append(details);
  }
}

function showSuggestions(data) {
  const section = $("suggestions");
  const zone = $("liste-suggestions");
  zone.replaceChildren();
  section.hidden = false;
  if (!data.suggestions.length) {
    zone.append(el("p", { class: "vide" }, "Aucune certification ni fiche n'est étayée par ces récits."));
    return;
  }
  let type = null;
  let list = null;
  for (const s of data.suggestions) {
    if (s.kind !== type) {
      type = s.kind;
      zone.append(el("h4", {}, label("suggestion_kinds", type)));
      list = el("ol", { class: "suggestions" });
      zone.append(list);
    }
    const level = s.niveau ? `, niveau ${s.niveau}` : "";
    const active = s.actif ? "" : ", inactive";
    list.append(
      el(
        "li",
        {},
        el("strong", {}, `${s.code} ${s.libelle}`),
        ` (${s.referentiel}${level}${active}) — ${percent(s.coverage_ratio)}`,
        el("br"),
        el("span", { class: "pourquoi" }, s.why),
        s.kind === "fiche" && s.referentiel === "rome" ? ficheLinks(s.code, s.libelle) : null,
      ),
    );
  }
}

// --- Synthesis --------------------------------------------------------------------

async function copySynthesis() {
  try {
    await navigator.clipboard.writeText(state.markdown);
    $("annonce").textContent = "Synthèse copiée dans le presse-papiers.";
  } catch (error) {
    showError("La copie a été refusée par le navigateur : utilisez le téléchargement.");
  }
}

function downloadSynthesis() {
  const blob = new Blob([state.markdown], { type: "text/markdown;charset=utf-8" });
  const link = el("a", { href: URL.createObjectURL(blob), download: `synthese-${state.cible}.md` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

document.addEventListener("DOMContentLoaded", async () => {
  $("formulaire").addEventListener("submit", runAnalysis);
  $("ajouter-recit").addEventListener("click", addNarrative);
  $("copier").addEventListener("click", copySynthesis);
  $("telecharger").addEventListener("click", downloadSynthesis);
  $("imprimer").addEventListener("click", () => window.print());
  $("cle").addEventListener("change", () => {
    sessionStorage.setItem("habilitant-cle", $("cle").value.trim());
    if (!document.querySelector("input[name=referentiel]")) loadReferentiels();
  });
  if (sessionStorage.getItem("habilitant-cle")) $("zone-cle").hidden = false;
  if (await watchService()) await loadReferentiels();
});
