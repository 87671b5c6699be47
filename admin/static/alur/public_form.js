// The public complaint form: permit types follow the sector, oversized evidence is refused before
// sending. A file of its own, not inline: the Content-Security-Policy runs this site's script files only.
(function () {
  // After a refused send, the error summary (which names each field, with a link) takes the focus, so a
  // screen reader reads it first and a keyboard user starts there.
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  // Permit types follow the chosen sector (the server checks it too).
  document.querySelectorAll("select[data-parent]").forEach(function (child) {
    var parent = document.getElementById(child.dataset.parent);
    if (!parent) return;
    function filter() {
      child.querySelectorAll("optgroup").forEach(function (g) {
        var show = !parent.value || g.dataset.parentCode === parent.value;
        g.hidden = !show; g.disabled = !show;
      });
      var sel = child.selectedOptions[0];
      if (sel && sel.parentElement.tagName === "OPTGROUP" && sel.parentElement.hidden) child.value = "";
    }
    parent.addEventListener("change", filter); filter();
  });
  // Refuse oversized evidence before sending: past the server's request limit nothing of the form
  // would arrive, and the complainant would have to type everything again (the server checks too).
  var files = document.getElementById("f-bukti"), note = document.getElementById("e-bukti-client");
  if (files && note) {
    files.addEventListener("change", function () {
      var total = 0, message = "";
      for (var i = 0; i < files.files.length; i++) total += files.files[i].size;
      if (files.files.length > +files.dataset.maxFiles) message = files.dataset.tooMany;
      else if (total > +files.dataset.maxBytes) message = files.dataset.tooBig.replace("%s", (total / 1048576).toFixed(1));
      files.setCustomValidity(message);
      note.textContent = message; note.hidden = !message;
    });
    // the form is novalidate (the server's messages are the ones shown), so hold it back here
    files.form.addEventListener("submit", function (event) {
      if (files.validationMessage) { event.preventDefault(); note.scrollIntoView({block: "center"}); files.focus(); }
    });
  }
})();
