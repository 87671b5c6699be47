// The tracking page and the receipt. A file of its own, not inline: the Content-Security-Policy runs this
// site's script files only.
(function () {
  // The QR code and the links we send carry the receipt number and token in the URL's fragment (#resi=..&token=..),
  // which browsers never send to a server: take them from there, drop them from the address bar and history,
  // and post them with the lookup form, so the token reaches no access log and no Referer header.
  var form = document.getElementById("form-lacak");
  if (form && location.hash.length > 1) {
    var found = new URLSearchParams(location.hash.slice(1));
    var resi = found.get("resi"), token = found.get("token");
    history.replaceState(null, "", location.pathname);
    if (resi && token) {
      form.querySelector("[name=resi]").value = resi;
      form.querySelector("[name=token]").value = token;
      form.submit();
    }
  }
  // "Cetak resi": the browser's print dialog (the page's print style hides everything but the receipt).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
})();
