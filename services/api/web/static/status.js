// The confirmation of receipt fills in as the declarations are decided, without a reload.
(function () {
  var table = document.getElementById("confirmation");
  if (!table || !table.dataset.pending) return;
  function poll() {
    fetch("/web/status?ids=" + encodeURIComponent(table.dataset.ids), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (rows) {
        var waiting = false;
        rows.forEach(function (r) {
          var row = table.querySelector('tr[data-id="' + r.declarationId + '"]');
          if (!row) return;
          var cell = row.querySelector(".status");
          cell.textContent = r.label;
          cell.className = "status status-" + r.result;
          if (r.type) row.querySelector(".type").textContent = r.type;
          row.querySelector(".anomalies").textContent = r.anomalies.join("; ") || "-";
          if (r.periodId) {
            row.querySelector(".period").innerHTML = '<a href="/web/periods/' + r.periodId + '">' + r.periodId + "</a>";
          }
          if (r.result === "pending") waiting = true;
        });
        if (waiting) setTimeout(poll, 1000); else delete table.dataset.pending;
      })
      .catch(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 500);
})();
