// Small behaviours of every console page, declared in the markup with data- attributes instead of
// inline handlers (the Content-Security-Policy runs this site's script files only, never onclick="").
//   data-confirm="Question?"  on a button or link: ask first, and do nothing unless confirmed
//   data-print                 on a button: print the page (the receipt)
(function () {
  // A form's error summary (class alur-error-summary, naming each field with a link) takes the focus when the
  // page comes back refused, so a screen reader reads it first (issue 14, item 10).
  var summary = document.querySelector('.alur-error-summary');
  if (summary) { summary.focus(); }
  document.addEventListener('click', function (event) {
    var target = event.target.closest ? event.target.closest('[data-confirm], [data-print]') : null;
    if (!target) return;
    if (target.hasAttribute('data-print')) { event.preventDefault(); window.print(); return; }
    if (!window.confirm(target.getAttribute('data-confirm'))) { event.preventDefault(); }
  });
})();
