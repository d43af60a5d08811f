// The portal's feed upload, enhanced: the bytes sent while the file travels to the server.
// Without JavaScript the form posts as usual. The server's answer (the preview, or the
// portal page saying why not) then replaces this page, as a normal submit would.
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload-progress]");
  var box = document.getElementById("upload-progress");
  if (!form || !box || !window.XMLHttpRequest || !window.FormData) {
    return;
  }
  var bar = box.querySelector("progress");
  var line = box.querySelector("[data-line]");
  var lang = document.documentElement.lang || "sv";
  var oneDecimal = new Intl.NumberFormat(lang, {maximumFractionDigits: 1, minimumFractionDigits: 1});

  function size(bytes) {
    if (bytes < 1024 * 1024) {
      return oneDecimal.format(bytes / 1024) + " kB";
    }
    return oneDecimal.format(bytes / (1024 * 1024)) + " MB";
  }

  function say(text) {
    line.textContent = text;
  }

  form.addEventListener("submit", function (event) {
    if (!form.reportValidity()) {
      return;
    }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        bar.max = e.total;
        bar.value = e.loaded;
        box.dataset.loaded = String(e.loaded);
        say(box.dataset.sent.replace("{sent}", size(e.loaded)).replace("{total}", size(e.total)));
      }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value"); // the server reads the file: an indeterminate bar
      say(box.dataset.reading);
    });
    xhr.addEventListener("load", function () {
      if (xhr.responseURL) {
        history.replaceState(null, "", xhr.responseURL);
      }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      box.classList.add("alert");
      say(box.dataset.failed);
      if (button) {
        button.disabled = false;
      }
    });
    box.hidden = false;
    say(box.dataset.sending);
    if (button) {
      button.disabled = true;
    }
    xhr.send(new FormData(form));
  });
})();
