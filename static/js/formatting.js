// Progressive enhancement for text areas marked data-formatting (issue 16): a small
// toolbar that writes the Markdown-style marks for the person, and a preview drawn
// by the server through the same sanitizer that stores the text. Without this file
// the text area works as it is and its hint lists the marks.
(function () {
  "use strict";

  var previewUrl = document.body.getAttribute("data-formatting-preview-url");

  function wrap(area, before, after, placeholder) {
    var start = area.selectionStart, end = area.selectionEnd;
    var chosen = area.value.slice(start, end) || placeholder;
    area.setRangeText(before + chosen + after, start, end, "end");
    area.setSelectionRange(start + before.length, start + before.length + chosen.length);
    area.focus();
  }

  function prefixLines(area, numbered) {
    var value = area.value;
    var start = value.lastIndexOf("\n", area.selectionStart - 1) + 1;
    var end = value.indexOf("\n", area.selectionEnd);
    if (end === -1 || area.selectionEnd === area.selectionStart) {
      end = end === -1 ? value.length : end;
    }
    var lines = value.slice(start, end).split("\n");
    var marked = lines.map(function (line, index) {
      return (numbered ? (index + 1) + ". " : "- ") + (line || "item");
    }).join("\n");
    var needsGap = start > 0 && value.slice(0, start).slice(-2) !== "\n\n";
    area.setRangeText((needsGap ? "\n" : "") + marked, start, end, "end");
    area.focus();
  }

  function link(area) {
    var start = area.selectionStart, end = area.selectionEnd;
    var words = area.value.slice(start, end) || "words";
    var text = "[" + words + "](https://)";
    area.setRangeText(text, start, end, "end");
    var at = start + words.length + 3;
    area.setSelectionRange(at, at + "https://".length);
    area.focus();
  }

  function button(label, title, action) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "usa-button usa-button--outline formatting-toolbar__button";
    b.textContent = label;
    if (title) { b.setAttribute("aria-label", title); }
    b.addEventListener("click", action);
    return b;
  }

  function enhance(area) {
    var form = area.form;
    var token = form ? form.querySelector("input[name=csrf_token]") : null;
    // The toolbar is named after the field, without the "(optional)" or "(required ...)" note.
    var label = document.querySelector("label[for='" + area.id + "']");
    var labelText = "text";
    if (label) {
      var name = label.cloneNode(true);
      Array.prototype.forEach.call(name.querySelectorAll(".usa-hint"), function (note) { note.remove(); });
      labelText = name.textContent || labelText;
    }
    var bar = document.createElement("div");
    bar.className = "formatting-toolbar";
    bar.setAttribute("role", "toolbar");
    bar.setAttribute("aria-label", "Formatting: " + labelText.replace(/\s+/g, " ").trim());
    bar.setAttribute("aria-controls", area.id);

    var preview = document.createElement("div");
    preview.className = "rich-text formatting-preview";
    preview.id = area.id + "-preview";
    preview.setAttribute("aria-live", "polite");
    preview.hidden = true;

    var previewButton = button("Preview", "", function () {
      if (!preview.hidden) {
        preview.hidden = true;
        area.hidden = false;
        previewButton.textContent = "Preview";
        previewButton.setAttribute("aria-pressed", "false");
        area.focus();
        return;
      }
      var body = new FormData();
      body.append("text", area.value);
      fetch(previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Accept": "application/json", "X-CSRFToken": token ? token.value : "" },
        body: body
      }).then(function (response) { return response.json(); })
        .then(function (data) {
          // The server's sanitizer made this HTML; it is what the saved text will show.
          preview.innerHTML = data.html || "";
          if (data.error) { preview.textContent = data.error; }
          if (!data.html && !data.error) { preview.textContent = "Nothing written yet."; }
          preview.hidden = false;
          area.hidden = true;
          previewButton.textContent = "Back to editing";
          previewButton.setAttribute("aria-pressed", "true");
        })
        .catch(function () {
          preview.textContent = "The preview could not be loaded; the text is unchanged.";
          preview.hidden = false;
        });
    });
    previewButton.setAttribute("aria-pressed", "false");
    previewButton.setAttribute("aria-controls", preview.id);

    bar.appendChild(button("Bold", "", function () { wrap(area, "**", "**", "bold words"); }));
    bar.appendChild(button("Italic", "", function () { wrap(area, "*", "*", "italic words"); }));
    // An inline text (one paragraph inside a page, such as FDA's in a letter) takes no lists.
    if (area.getAttribute("data-formatting") !== "inline") {
      bar.appendChild(button("List", "Bulleted list", function () { prefixLines(area, false); }));
      bar.appendChild(button("Numbered", "Numbered list", function () { prefixLines(area, true); }));
    }
    bar.appendChild(button("Link", "", function () { link(area); }));
    if (previewUrl) { bar.appendChild(previewButton); }
    area.parentNode.insertBefore(bar, area);
    area.parentNode.insertBefore(preview, area.nextSibling);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var areas = document.querySelectorAll("textarea[data-formatting]");
    for (var i = 0; i < areas.length; i += 1) { enhance(areas[i]); }
  });
})();
