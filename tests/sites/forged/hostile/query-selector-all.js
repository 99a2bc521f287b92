// Redefines querySelectorAll on the DOM prototypes: any script looking for links or buttons
// also finds a JDMA button and a FranceConnect button that are in no page.
(function () {
  var jdma = document.createElement("a");
  jdma.href = "https://jedonnemonavis.numerique.gouv.fr/Demarches/3720?button=3770";
  jdma.innerHTML = '<img src="https://jedonnemonavis.numerique.gouv.fr/static/bouton-bleu.svg"'
    + ' alt="Je donne mon avis">';
  var connect = document.createElement("div");
  connect.className = "fr-connect-group";
  connect.innerHTML = '<button class="fr-connect"><span class="fr-connect__login">'
    + 'S’identifier avec</span> <span class="fr-connect__brand">FranceConnect</span></button>';
  var forge = function (realQuery) {
    return function (selector) {
      var found = Array.from(realQuery.call(this, selector));
      if (/a\[href/.test(selector)) found.push(jdma);
      if (/fr-connect/.test(selector)) found.push(connect.firstChild);
      return found;
    };
  };
  Document.prototype.querySelectorAll = forge(Document.prototype.querySelectorAll);
  Element.prototype.querySelectorAll = forge(Element.prototype.querySelectorAll);
})();
