// Canned answers on the ticket page: "Sisipkan" inserts the chosen text at the cursor of its textarea,
// for the officer to edit before sending. Without this script the button posts the form, and the server
// shows it again with the text added (admin/console/work.py).
(function () {
  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest('[data-canned-insert]') : null;
    if (!button) return;
    var box = button.closest('.alur-canned');
    var select = box.querySelector('select');
    var area = document.getElementById(box.getAttribute('data-target'));
    var chosen = select.options[select.selectedIndex];
    if (!area || !chosen || !chosen.value) { event.preventDefault(); select.focus(); return; }
    event.preventDefault();
    var text = chosen.getAttribute('data-text') || '';
    var start = area.selectionStart, end = area.selectionEnd, value = area.value;
    if (typeof start !== 'number' || document.activeElement !== area && value) { start = end = value.length; }
    var before = value.slice(0, start), after = value.slice(end);
    if (before && !/\n\n$/.test(before)) { before = before.replace(/\n?$/, '\n\n'); }
    area.value = before + text + after;
    var caret = (before + text).length;
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event('input', { bubbles: true }));
  });
})();
