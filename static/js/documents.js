// Before a form with files is sent, list each chosen file's name and size beside the
// input (SPEC 15). Without JavaScript the plain file input works as it is.
(function () {
  "use strict";

  function size(bytes) {
    if (bytes >= 1048576) {
      return (bytes / 1048576).toFixed(1) + " MB";
    }
    return Math.max(1, Math.ceil(bytes / 1024)) + " KB";
  }

  function show(input, region) {
    region.textContent = "";
    if (!input.files || input.files.length === 0) {
      return;
    }
    var heading = document.createElement("p");
    heading.className = "file-choices__heading";
    heading.textContent = input.files.length === 1 ? "1 file chosen:" : input.files.length + " files chosen:";
    var list = document.createElement("ul");
    list.className = "file-choices__list";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name + " (" + size(file.size) + ")";
      list.appendChild(item);
    });
    region.appendChild(heading);
    region.appendChild(list);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-file-choices-for]").forEach(function (region) {
      var input = document.getElementById(region.getAttribute("data-file-choices-for"));
      if (!input) {
        return;
      }
      input.addEventListener("change", function () {
        show(input, region);
      });
      show(input, region);
    });
  });
})();
