// Record form: show the fields a channel asks for (the box date, a referral's number) only for that channel,
// and filter a choice by the field it depends on (permit types by sector): both read from the markup.
(function () {
  var form = document.getElementById('record-form');
  function byName(name) { return document.querySelector('#record-form [name="' + name + '"]'); }
  var kanal = byName('kanal');
  function toggleBox() {
    if (!kanal || !form) return;
    var map = JSON.parse(form.getAttribute('data-channel-fields') || '{}');
    Object.keys(map).forEach(function (name) {
      var wrap = document.querySelector('[data-field="' + name + '"]');
      if (wrap) wrap.style.display = map[name].indexOf(kanal.value) >= 0 ? '' : 'none';
    });
  }
  if (kanal) { kanal.addEventListener('change', toggleBox); toggleBox(); }
  Array.prototype.forEach.call(document.querySelectorAll('#record-form select[data-parent]'), function (child) {
    var parent = byName(child.getAttribute('data-parent'));
    if (!parent) return;
    function filter() {
      Array.prototype.forEach.call(child.options, function (opt) {
        var owner = opt.getAttribute('data-parent');
        opt.hidden = !!(owner && parent.value && owner !== parent.value);
      });
      var chosen = child.options[child.selectedIndex];
      if (chosen && chosen.hidden) child.value = '';
    }
    parent.addEventListener('change', filter); filter();
  });
})();
