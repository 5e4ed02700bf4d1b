/*
 * syncdesk's screenshot control for the chat: attach, drop or paste a picture of the error.
 *
 * rasa-webchat has no upload, so this sits around it: a paper-clip button in its input bar, a
 * drop zone over the open chat, and paste-from-clipboard in its text box. The picture goes to
 * syncdesk's web server (POST /screenshots: read in memory, never kept, never logged), which
 * answers with the text read and any value it is unsure of. The customer confirms those ("Is the
 * invoice number INV-0O42 or INV-0042?"), then the text goes into the conversation through
 * rasa-webchat's own socket, as if they had pasted it: the conversation stays theirs.
 *
 *   SyncdeskScreenshots.attach(mount, {uploadUrl: ".../screenshots", send: function (text) {...}})
 */
(function () {
  "use strict";

  var MAX_BYTES = 5 * 1024 * 1024;  // bot.screenshots.MAX_BYTES
  var TYPES = /^image\/(png|jpeg|webp|gif|bmp)$/;

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function attach(mount, options) {
    var input = element("input", {type: "file", accept: "image/*", hidden: "", "aria-hidden": "true"});
    input.className = "syncdesk-attach-input";
    mount.appendChild(input);
    var status = element("div", {"class": "syncdesk-screenshot-status", role: "status", "aria-live": "polite"});
    var busy = false;

    function show(text, choices) {
      status.textContent = "";
      if (!text) { status.remove(); return; }
      status.appendChild(element("p", {}, text));
      (choices || []).forEach(function (choice) {
        var button = element("button", {type: "button", "class": "syncdesk-screenshot-choice"}, choice.title);
        button.addEventListener("click", choice.pick);
        status.appendChild(button);
      });
      var sender = mount.querySelector(".rw-sender");
      if (sender && status.parentNode !== sender.parentNode) sender.parentNode.insertBefore(status, sender);
    }

    function confirmThenSend(text, doubts) {
      if (!doubts.length) {
        show("");
        options.send(text);
        return;
      }
      var doubt = doubts[0];
      show(doubt.question, doubt.options.map(function (option) {
        return {title: option, pick: function () {
          confirmThenSend(text.split(doubt.read).join(option), doubts.slice(1));
        }};
      }));
    }

    function read(file) {
      if (busy || !file) return;
      if (!TYPES.test(file.type)) return show("Only pictures can be read: PNG, JPEG, WebP, GIF or BMP.");
      if (file.size > MAX_BYTES) return show("That picture is over 5 MB: crop it to the error, or paste the text.");
      busy = true;
      show("Reading your screenshot…");
      fetch(options.uploadUrl, {method: "POST", body: file, headers: {"Content-Type": file.type},
                                credentials: "omit", cache: "no-store"})
        .then(function (response) {
          return response.json().then(function (body) { return {ok: response.ok, body: body}; });
        })
        .then(function (answer) {
          if (!answer.ok) return show(answer.body.error || "I couldn't read that picture: please paste the text instead.");
          if (!answer.body.text || !answer.body.text.trim()) {
            return show("I couldn't find any text in that picture. Please paste the error message instead.");
          }
          confirmThenSend(answer.body.text, answer.body.uncertain || []);
        })
        .catch(function () { show("I couldn't read the screenshot just now. Please paste the error message instead."); })
        .then(function () { busy = false; input.value = ""; });
    }

    function imageIn(items) {
      for (var i = 0; items && i < items.length; i++) {
        var file = items[i].getAsFile ? (items[i].kind === "file" ? items[i].getAsFile() : null) : items[i];
        if (file && /^image\//.test(file.type)) return file;
      }
      return null;
    }

    // rasa-webchat re-renders its input bar when the chat opens: put the button back each time.
    function addButton() {
      var sender = mount.querySelector(".rw-sender");
      if (!sender || sender.querySelector(".syncdesk-attach")) return;
      var button = element("button", {type: "button", "class": "syncdesk-attach",
                                       title: "Send a screenshot of the error", "aria-label": "Send a screenshot of the error"});
      // A paper clip, drawn: not every device has an emoji font.
      var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("viewBox", "0 0 24 24");
      svg.setAttribute("width", "22");
      svg.setAttribute("height", "22");
      svg.setAttribute("aria-hidden", "true");
      var clip = document.createElementNS("http://www.w3.org/2000/svg", "path");
      clip.setAttribute("d", "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5");
      clip.setAttribute("fill", "none");
      clip.setAttribute("stroke", "currentColor");
      clip.setAttribute("stroke-width", "1.8");
      clip.setAttribute("stroke-linecap", "round");
      svg.appendChild(clip);
      button.appendChild(svg);
      button.addEventListener("click", function () { input.click(); });
      sender.insertBefore(button, sender.firstChild);
    }
    new MutationObserver(addButton).observe(mount, {childList: true, subtree: true});
    addButton();

    input.addEventListener("change", function () { read(input.files && input.files[0]); });
    mount.addEventListener("paste", function (event) {
      var file = imageIn(event.clipboardData && event.clipboardData.items);
      if (file) { event.preventDefault(); read(file); }
    });
    mount.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        mount.classList.add("syncdesk-dropping");
      }
    });
    mount.addEventListener("dragleave", function () { mount.classList.remove("syncdesk-dropping"); });
    mount.addEventListener("drop", function (event) {
      mount.classList.remove("syncdesk-dropping");
      var file = imageIn(event.dataTransfer && event.dataTransfer.files);
      if (file) { event.preventDefault(); read(file); }
    });
    return {read: read};
  }

  window.SyncdeskScreenshots = {attach: attach};
})();
