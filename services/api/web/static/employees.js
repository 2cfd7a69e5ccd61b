// Adding an employee: show the SSIN field or the identity fields, as the radio chosen says
// (without JavaScript both stay shown, and the server uses the one chosen).
(function () {
  var radios = document.querySelectorAll('input[name="known"]');
  if (!radios.length) return;
  function show() {
    var chosen = document.querySelector('input[name="known"]:checked');
    var identity = chosen && chosen.value === "identity";
    document.querySelectorAll(".when-ssin").forEach(function (e) { e.hidden = identity; });
    document.querySelectorAll(".when-identity").forEach(function (e) { e.hidden = !identity; });
  }
  radios.forEach(function (r) { r.addEventListener("change", show); });
  show();
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
