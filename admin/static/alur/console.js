// Record form: show the collection date only for the complaint box, and filter permit types by sector.
(function () {
  function byName(name) { return document.querySelector('#record-form [name="' + name + '"]'); }
  var kanal = byName('kanal'), boxDate = document.querySelector('[data-field="tanggal_ambil_kotak"]');
  function toggleBox() {
    if (!kanal || !boxDate) return;
    var form = document.getElementById('record-form');
    var isBox = JSON.parse(form.getAttribute('data-box-channels') || '[]').indexOf(kanal.value) >= 0;
    boxDate.style.display = isBox ? '' : 'none';
  }
  if (kanal) { kanal.addEventListener('change', toggleBox); toggleBox(); }
  var sektor = byName('sektor'), jenis = byName('jenis_izin');
  function filterJenis() {
    if (!sektor || !jenis) return;
    Array.prototype.forEach.call(jenis.options, function (opt) {
      var parent = opt.getAttribute('data-parent');
      opt.hidden = !!(parent && sektor.value && parent !== sektor.value);
    });
    var chosen = jenis.options[jenis.selectedIndex];
    if (chosen && chosen.hidden) jenis.value = '';
  }
  if (sektor) { sektor.addEventListener('change', filterJenis); filterJenis(); }
})();
