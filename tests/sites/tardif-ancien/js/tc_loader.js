/* Chargeur du gestionnaire de balises (fictif), commun à toutes les pages du site. */
// Gestionnaire de balises : le bandeau de pied de page (avis, accessibilité, contact) est
// injecté par le conteneur de la DSI, chargé après la page.
var tC = tC || {}; tC.container = "/js/tc_conteneur_12.js";
window.onload = function () {
  window.setTimeout(function () {
    var s = document.createElement("script"); s.type = "text/javascript"; s.src = tC.container;
    document.getElementsByTagName("body")[0].appendChild(s);
  }, 400);
};
