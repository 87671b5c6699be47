// The definition editor's YAML textarea: line numbers, error marks, jumping to a problem's line.
// A file of its own, not inline: the Content-Security-Policy runs this site's script files only.
/* Line numbers and error marks for the YAML textarea (no library, no CDN). */
(function () {
  var ta = document.getElementById('yaml-source');
  var gutter = document.getElementById('yaml-gutter');
  var marks = document.getElementById('yaml-marks');
  if (!ta || !gutter) { return; }
  var LH = 20;
  var errors = {};
  (JSON.parse(ta.getAttribute('data-error-lines') || '[]')).forEach(function (n) { errors[n] = true; });
  var count = 0;
  function numbers() {
    var n = ta.value.split('\n').length;
    if (n === count) { return; }
    count = n;
    var html = [];
    for (var i = 1; i <= n; i++) {
      html.push('<div class="ln' + (errors[i] ? ' ln-error' : '') + '" data-line="' + i + '">' + i + '</div>');
    }
    gutter.innerHTML = html.join('');
  }
  function drawMarks() {
    var html = [];
    Object.keys(errors).forEach(function (n) {
      html.push('<div class="mark" style="top:' + ((n - 1) * LH + 6) + 'px;height:' + LH + 'px"></div>');
    });
    marks.innerHTML = html.join('');
  }
  function sync() {
    gutter.style.transform = 'translateY(' + (-ta.scrollTop) + 'px)';
    marks.style.transform = 'translate(' + (-ta.scrollLeft) + 'px,' + (-ta.scrollTop) + 'px)';
  }
  function jump(line) {
    var lines = ta.value.split('\n');
    var start = 0;
    for (var i = 0; i < line - 1 && i < lines.length; i++) { start += lines[i].length + 1; }
    var end = start + (lines[line - 1] || '').length;
    ta.focus();
    ta.setSelectionRange(start, end);
    ta.scrollTop = Math.max(0, (line - 6) * LH);
    sync();
  }
  window.alurJumpToLine = jump;
  ta.addEventListener('input', function () { numbers(); sync(); });
  ta.addEventListener('scroll', sync);
  ta.addEventListener('keydown', function (e) {  /* Tab indents by two spaces, as YAML wants */
    if (e.key === 'Tab' && !e.shiftKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      var s = ta.selectionStart;
      ta.setRangeText('  ', s, ta.selectionEnd, 'end');
      numbers();
    }
  });
  gutter.addEventListener('click', function (e) {
    var line = e.target && e.target.getAttribute('data-line');
    if (line) { jump(parseInt(line, 10)); }
  });
  document.querySelectorAll('.problem[data-line]').forEach(function (el) {
    el.addEventListener('click', function () {
      var line = parseInt(el.getAttribute('data-line'), 10);
      if (line) { jump(line); }
    });
  });
  numbers(); drawMarks(); sync();
  /* open at the first problem listed: the loader lists causes (an unknown state) before consequences */
  var firstProblem = document.querySelector('.problem[data-line]:not([data-line=""])');
  if (firstProblem) { jump(parseInt(firstProblem.getAttribute('data-line'), 10)); }
})();
