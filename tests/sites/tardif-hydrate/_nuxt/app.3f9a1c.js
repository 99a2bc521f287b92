/* Région fictive Val-de-Loue — application (site de test de Vigie). L’hydratation lit d’abord la
   configuration, puis la mise en page (pied de page géré dans le CMS) : deux requêtes à la suite. */
(function () {
  var api = window.__NUXT__.config.api;
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text) e.textContent = text;
    return e;
  }
  fetch(api + "/config.json").then(function (r) { return r.json(); }).then(function (cfg) {
    return fetch(api + "/layout.json?site=" + cfg.site).then(function (r) { return r.json(); });
  }).then(function (layout) {
    var skeleton = document.querySelector(".skeleton");
    if (skeleton) skeleton.replaceWith(el("p", {}, layout.intro));
    var footer = document.getElementById("pied-de-page");
    var avis = el("a", {href: layout.avis.href, target: "_blank", rel: "noopener"});
    avis.append(el("img", {src: layout.avis.image, alt: "Je donne mon avis", width: "200", height: "60"}));
    footer.append(avis);
    var ul = el("ul", {class: "fr-footer__bottom-list"});
    layout.links.forEach(function (l) {
      var li = el("li", {class: "fr-footer__bottom-item"});
      li.append(el("a", {class: "fr-footer__bottom-link", href: l.href}, l.text));
      ul.append(li);
    });
    footer.append(ul);
  });
})();
