/* tC conteneur 12 (fictif) - généré le 03/06/2024 */
(function () {
  var pied = document.getElementById("pied");
  var html = '<div class="tc-avis"><a href="https://jedonnemonavis.numerique.gouv.fr/Demarches/4513?&amp;view-mode=formulaire-avis&amp;nd_source=button&amp;key=7c1e" target="_blank" title="Je donne mon avis - nouvelle fen\u00eatre">'
    + '<img src="/img/bouton-je-donne-mon-avis.svg" alt="Je donne mon avis" /></a></div>'
    + '<ul class="liens-pied"><li><a href="accessibilite.html">Accessibilit\u00e9 : non conforme</a></li>'
    + '<li><a href="contact.html">Nous contacter</a></li></ul>';
  var div = document.createElement("div"); div.innerHTML = html; pied.appendChild(div);
})();
