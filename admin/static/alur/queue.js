// Work queues: the filter box is a <details> the server opens when filters are active. On a wide screen it
// is always open (there is room); on a phone it stays folded so the list starts on the first screen.
(function () {
  var box = document.getElementById('filter-box');
  if (box && window.matchMedia && window.matchMedia('(min-width: 768px)').matches) { box.open = true; }
})();
