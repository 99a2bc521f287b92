/* Chèque Sport Seniors — bundle d’application (site de démonstration fictif pour Vigie).
   Comme une application monopage : l’en-tête et la page sont rendus dès le démarrage, le pied
   de page (géré dans le CMS) arrive d’une requête à l’API, servie environ 800 ms plus tard. */
const h = (tag, props, ...children) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "class") el.className = v; else el.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c != null) el.append(c);
  return el;
};
const p = (...c) => h("p", null, ...c);
const ul = (items) => h("ul", null, items.map((i) => h("li", null, i)));

const SERVICE = "Chèque Sport Seniors";
const routes = {
  "/": {
    title: `${SERVICE} | Agence fictive du sport pour tous`,
    view: () => [
      h("h1", null, SERVICE),
      p("Le chèque (fictif) de 80 € aide les personnes de 65 ans et plus à s’inscrire dans un club ",
        "sportif ou une association de leur commune."),
      h("h2", null, "Qui peut en bénéficier ?"),
      p("Toute personne de 65 ans ou plus, domiciliée en France, dont le revenu fiscal de référence ",
        "est inférieur à 25 000 € par part."),
      h("h2", null, "Comment le demander ?"),
      p("Remplissez la demande en ligne en dix minutes, ou demandez à un conseiller de la remplir ",
        "avec vous : ses coordonnées sont sur la page Contact, en bas de page."),
    ],
  },
  "/contact.html": {
    title: `Nous contacter | ${SERVICE}`,
    view: () => [
      h("h1", null, "Nous contacter"),
      p("Nos conseillers répondent à vos questions sur le Chèque Sport Seniors et peuvent faire la ",
        "demande avec vous."),
      h("h2", null, "Par téléphone"),
      p("Appelez le ", h("a", { href: "tel:+33123456700" }, h("strong", null, "01 23 45 67 00")),
        " (appel gratuit), du lundi au vendredi, de 9 h à 17 h."),
      h("h2", null, "À notre accueil ou par courrier"),
      h("address", null, "Agence fictive du sport pour tous", h("br"), "Service Chèque Sport Seniors",
        h("br"), "8 avenue de l’Exemple", h("br"), "69999 Lyon Cedex 99"),
      p("Accueil du public sans rendez-vous : du lundi au vendredi, de 9 h à 12 h."),
      h("h2", null, "Par formulaire"),
      h("form", { action: "/contact.html", method: "get" },
        h("label", { for: "nom" }, "Nom"),
        h("input", { id: "nom", name: "nom", type: "text", autocomplete: "family-name" }),
        h("label", { for: "courriel" }, "Adresse électronique"),
        h("input", { id: "courriel", name: "courriel", type: "email", autocomplete: "email" }),
        h("label", { for: "message" }, "Message"),
        h("textarea", { id: "message", name: "message", rows: "6" }),
        h("button", { class: "btn", type: "submit" }, "Envoyer mon message")),
    ],
  },
  "/accessibilite.html": {
    title: `Déclaration d’accessibilité | ${SERVICE}`,
    view: () => [
      h("h1", null, "Déclaration d’accessibilité"),
      p("Établie le 4 février 2025."),
      p("L’Agence fictive du sport pour tous s’engage à rendre ses sites internet accessibles ",
        "conformément à l’article 47 de la loi n° 2005-102 du 11 février 2005."),
      p("Cette déclaration d’accessibilité s’applique au site Chèque Sport Seniors (site de ",
        "démonstration fictif)."),
      h("h2", null, "État de conformité"),
      p("Le site Chèque Sport Seniors est ", h("strong", null, "partiellement conforme"),
        " avec le référentiel général d’amélioration de l’accessibilité (RGAA), version 4.1."),
      h("h3", null, "Résultats des tests"),
      p("L’audit de conformité réalisé par la société fictive Audit Démo révèle que 76 % des ",
        "critères du RGAA version 4.1 sont respectés."),
      h("h2", null, "Contenus non accessibles"),
      h("h3", null, "Non-conformités"),
      ul(["Le pied de page est annoncé tardivement aux technologies d’assistance (critère 7.5).",
          "Certains champs du formulaire de contact n’indiquent pas le format attendu (critère 11.10)."]),
      h("h2", null, "Retour d’information et contact"),
      p("Si vous n’arrivez pas à accéder à un contenu ou à un service, vous pouvez contacter le ",
        "responsable du site pour être orienté vers une alternative accessible :"),
      ul([[" par le ", h("a", { href: "/contact.html" }, "formulaire de contact"), " ;"],
          "par téléphone au 01 23 45 67 00 ;",
          "par courrier : Agence fictive du sport pour tous, 8 avenue de l’Exemple, 69999 Lyon Cedex 99."]),
      h("h2", null, "Voies de recours"),
      p("Si vous constatez un défaut d’accessibilité vous empêchant d’accéder à un contenu ou une ",
        "fonctionnalité du site, que vous nous le signalez et que vous ne parvenez pas à obtenir une ",
        "réponse de notre part, vous êtes en droit de saisir le Défenseur des droits :"),
      ul(["écrire un message au Défenseur des droits, par le formulaire en ligne de son site ;",
          "contacter le délégué du Défenseur des droits dans votre région ;",
          ["envoyer un courrier par la poste (gratuit, ne pas mettre de timbre) : Défenseur des droits, ",
           "Libre réponse 71120, 75342 Paris CEDEX 07"]]),
    ],
  },
  "/mentions-legales.html": {
    title: `Mentions légales | ${SERVICE}`,
    view: () => [
      h("h1", null, "Mentions légales"),
      h("h2", null, "Éditeur"),
      p("Agence fictive du sport pour tous, 8 avenue de l’Exemple, 69999 Lyon Cedex 99."),
      h("h2", null, "Hébergement"),
      p("Ce site de démonstration est servi localement par l’outil Vigie."),
    ],
  },
};

function header() {
  return h("header", { class: "app-header", role: "banner" },
    h("p", { class: "demo" }, h("span", { class: "wrap" },
      "Site de démonstration ", h("strong", null, "fictif"), " créé pour Vigie : aucune démarche réelle.")),
    h("div", { class: "wrap" },
      h("a", { class: "brand", href: "/" }, SERVICE),
      h("nav", { "aria-label": "Menu principal" }, ul([h("a", { href: "/" }, "Accueil")]))));
}

function footer(data) {
  const avis = data.avis;
  return [
    h("div", { class: "wrap" },
      p(data.texte),
      h("section", { class: "jdma", "aria-labelledby": "avis-titre" },
        h("h2", { id: "avis-titre" }, avis.titre),
        h("a", { href: avis.href, target: "_blank", rel: "noopener", title: `${avis.alt} - nouvelle fenêtre` },
          h("img", { src: avis.image, alt: avis.alt, width: "200", height: "60" }))),
      ul(data.liens.map((l) => h("a", { href: l.href }, l.texte)))),
  ];
}

function mount(root) {
  const route = routes[location.pathname] || routes["/"];
  document.title = route.title;
  const slot = h("footer", { class: "app-footer", role: "contentinfo", "aria-busy": "true" });
  root.replaceChildren(
    h("a", { class: "skip", href: "#contenu" }, "Aller au contenu"),
    header(),
    h("main", { id: "contenu" }, h("div", { class: "wrap" }, route.view())),
    slot);
  fetch("/api/pied-de-page.json", { headers: { Accept: "application/json" } })
    .then((r) => r.json())
    .then((data) => { slot.replaceChildren(...footer(data)); slot.removeAttribute("aria-busy"); })
    .catch(() => { slot.replaceChildren(p("Le pied de page n’a pas pu être chargé.")); });
}

mount(document.getElementById("app"));
