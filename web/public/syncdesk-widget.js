/*
 * syncdesk's help widget: the chat with Joblogic's Xero sync helper, for any page.
 *
 *   <script src="https://SUPPORT-SITE/syncdesk-widget.js"></script>
 *   <script>
 *     Syncdesk.init({
 *       botUrl: "https://BOT",  // optional: config.js from the same place says where the bot is
 *       customer: {account_id: "JL-1042", user_name: "Sam Patel", app_version: "5.12", screen: "Invoices"},
 *       identityToken: "<JWT minted by the app's backend for this user>"  // README: "Signed identity"
 *     });
 *   </script>
 *
 * The customer's context goes to the bot as socket.io `customData` with every message; the bot
 * greets them by first name and keeps it on any support ticket. Only the signed `identityToken`
 * makes it "verified"; without one, the `customer` fields are kept marked unverified. The
 * conversation's signed session token is rasa-webchat's `session_id` (kept in sessionStorage
 * and sent back with every message): the bot refuses messages without it. Include the script without
 * `async`, so `Syncdesk` exists when the call runs. Everything it loads (config.js, the pinned
 * rasa-webchat bundle, its CSS) comes from the folder the script itself was loaded from.
 */
(function () {
  "use strict";

  var BASE = new URL(".", document.currentScript.src).href;
  // The context the bot keeps (bot/handover.py CUSTOMER_FIELDS); anything else stays in the page.
  var CUSTOMER_FIELDS = ["account_id", "user_name", "app_version", "screen"];
  // How long to wait for the bot before showing the contacts instead of a spinner.
  var CONNECT_TIMEOUT_MS = 5000;
  var SAFE_LINK = /^(https?:|mailto:|tel:)/i;

  // ready: the bot confirmed this tab's conversation; wantsOpen: the customer asked for the
  // chat before that; gaveUp: the bot did not answer in time, so the contacts are showing.
  var state = {connected: false, ready: false, wantsOpen: false, gaveUp: false, notice: null,
               timer: null, site: {contacts: []}};

  function load(src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error("could not load " + src)); };
      document.head.appendChild(script);
    });
  }

  function stylesheet(href) {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  }

  function customerData(customer, identityToken) {
    var data = {};
    if (typeof identityToken === "string" && identityToken) data.identity_token = identityToken;
    CUSTOMER_FIELDS.forEach(function (name) {
      var value = customer && customer[name];
      if (value !== undefined && value !== null && String(value).trim()) {
        data[name] = String(value).trim().slice(0, 200);
      }
    });
    return data;
  }

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) node.textContent = text;
    return node;
  }

  // Shown instead of the chat while the bot cannot be reached: how to reach people now.
  function offlineNotice() {
    if (state.notice) return state.notice;
    var notice = element("aside", {id: "syncdesk-offline", role: "status", "aria-live": "polite"});
    notice.appendChild(element("h2", {}, "The chat is not available right now"));
    notice.appendChild(element("p", {}, "Joblogic's team can help you with your Xero sync straight away:"));
    var list = element("ul");
    var teams = {};
    (state.site.contacts || []).forEach(function (contact) {
      if (!teams[contact.team]) {
        teams[contact.team] = element("li", {}, contact.team + ": ");
        list.appendChild(teams[contact.team]);
      } else {
        teams[contact.team].appendChild(document.createTextNode(" or "));
      }
      var how = contact.kind === "phone" ? "call " : "email ";
      teams[contact.team].appendChild(document.createTextNode(how));
      teams[contact.team].appendChild(element("a", {href: contact.href, "class": "syncdesk-contact"}, contact.value));
    });
    if (!list.children.length) {
      list.appendChild(element("li", {}, "Please contact Joblogic support."));
    }
    notice.appendChild(list);
    state.notice = notice;
    return notice;
  }

  function showOffline() {
    if (state.connected) return;
    state.gaveUp = true;
    var notice = offlineNotice();
    if (!notice.isConnected) document.body.appendChild(notice);
    document.documentElement.classList.add("syncdesk-is-offline");
  }

  function showOnline() {
    state.connected = true;
    clearTimeout(state.timer);
    if (state.notice && state.notice.isConnected) state.notice.remove();
    document.documentElement.classList.remove("syncdesk-is-offline");
  }

  // rasa-webchat restores the chat's saved state (closed, for a new tab) when the conversation
  // is confirmed, after this runs: open it once that is done.
  function sessionConfirmed() {
    state.ready = true;
    if (state.wantsOpen) {
      state.wantsOpen = false;
      setTimeout(openChat, 0);
    }
  }

  // rasa-webchat 1.0.1 renders bot markdown with link sanitising turned off
  // (transformLinkUri: null): keep only web, mail and phone links.
  function guardLinks(root) {
    new MutationObserver(function () {
      root.querySelectorAll("a[href]").forEach(function (link) {
        if (!SAFE_LINK.test(link.getAttribute("href").trim())) link.removeAttribute("href");
        if (/^(mailto|tel):/i.test(link.getAttribute("href") || "")) link.removeAttribute("target");
      });
    }).observe(root, {childList: true, subtree: true});
  }

  function init(options) {
    options = options || {};
    stylesheet(BASE + "syncdesk-widget.css");
    return load(BASE + "config.js")
      .catch(function () { /* no site config: the options must say where the bot is */ })
      .then(function () {
        state.site = window.SYNCDESK_SITE || state.site;
        var botUrl = options.botUrl || state.site.botUrl;
        if (!botUrl) throw new Error("Syncdesk.init: no botUrl given and no config.js found");
        state.timer = setTimeout(showOffline, CONNECT_TIMEOUT_MS);
        return load(BASE + "vendor/rasa-webchat.js").then(function () { return botUrl; });
      })
      .then(function (botUrl) {
        var mount = element("div", {id: "syncdesk-chat"});
        document.body.appendChild(mount);
        guardLinks(mount);
        var chat = {current: null};  // rasa-webchat's handle: screenshots' text goes through its socket
        window.WebChat.default({
          innerRef: chat,
          socketUrl: botUrl,
          socketPath: "/socket.io/",
          initPayload: "/greet",
          customData: customerData(options.customer, options.identityToken),
          title: options.title || "syncdesk",
          subtitle: options.subtitle || "Help with Xero sync errors",
          inputTextFieldHint: "Paste the error message, or describe the problem",
          // A new browser tab is a new conversation; nothing is left behind on shared machines.
          params: {storage: "session"},
          showMessageDate: false,
          customMessageDelay: function () { return 250; },
          // No server-sent "rules" (a Rasa X feature): session_confirm is ours to handle.
          withRules: false,
          onSocketEvent: {
            connect: showOnline,
            session_confirm: sessionConfirmed,
            connect_error: showOffline,
            disconnect: function () { state.connected = state.ready = false; }
          }
        }, mount);
        load(BASE + "syncdesk-screenshots.js").then(function () {
          window.SyncdeskScreenshots.attach(mount, {uploadUrl: BASE + "screenshots",
            send: function (text) { chat.current.sendMessage(text, text); }});
        });
      })
      .catch(function (problem) {
        showOffline();
        throw problem;
      });
  }

  function openChat() {
    var launcher = document.querySelector("#syncdesk-chat .rw-launcher");
    if (launcher && !document.querySelector("#syncdesk-chat .rw-chat-open")) launcher.click();
  }

  // Open the chat (from a "Chat with us" button). A click while the page is still connecting
  // (the first moments after it loads) opens the chat as soon as the bot answers; once the bot
  // has not answered in time, the contacts show instead (and the chat opens if it comes back).
  function open() {
    if (state.ready) {
      openChat();
      return;
    }
    state.wantsOpen = true;
    if (state.gaveUp) showOffline();
  }

  window.Syncdesk = {init: init, open: open};
})();
