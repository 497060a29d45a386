// Progressive enhancement for time-zone selects (issue 16). Without this file the select
// works as it is: U.S. zones first, then the country's, then the rest.
//  - data-zone-search: a search box above the select narrows its options as one types.
//  - data-zone-detect: on a fresh form, choose the browser's own zone when it is listed.
(function () {
  "use strict";

  function detect(select) {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone || select.form && select.form.querySelector("[data-error-summary]")) { return; }
    for (var i = 0; i < select.options.length; i += 1) {
      if (select.options[i].value === zone) {
        select.value = zone;
        var note = document.createElement("span");
        note.className = "usa-hint";
        note.id = select.id + "-detected";
        note.textContent = "Filled in from this computer's settings: " + select.options[i].text + ".";
        select.parentNode.insertBefore(note, select);
        var described = select.getAttribute("aria-describedby");
        select.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
        return;
      }
    }
  }

  function search(select) {
    var all = Array.prototype.map.call(select.options, function (option) {
      return { option: option, group: option.parentNode, text: (option.text + " " + option.value).toLowerCase() };
    });
    var box = document.createElement("input");
    box.type = "search";
    box.className = "usa-input zone-search";
    box.id = select.id + "-search";
    box.setAttribute("autocomplete", "off");
    var label = document.createElement("label");
    label.className = "usa-label zone-search__label";
    label.htmlFor = box.id;
    label.textContent = "Search the time zones (a city or region)";
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().trim().replace(/\s+/g, " ").split(" ");
      var first = null;
      all.forEach(function (entry) {
        var match = words.every(function (w) { return entry.text.replace(/_/g, " ").indexOf(w) !== -1; });
        entry.option.hidden = !match;
        entry.option.disabled = !match && !entry.option.selected;
        if (match && first === null) { first = entry.option; }
      });
      if (first && select.selectedOptions.length && select.selectedOptions[0].hidden) {
        select.value = first.value;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-zone-detect]").forEach(detect);
    document.querySelectorAll("select[data-zone-search]").forEach(search);
  });
})();
