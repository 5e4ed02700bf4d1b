// The support console: polls the queue (2 s) and the open conversation (1 s); every value is
// shown with textContent, never as HTML.
(function () {
  "use strict";
  var API = "/console/api";
  var selected = null; // {conversation_id, ticket}
  var byConversation = {};

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function when(iso) {
    if (!iso) return "";
    var d = new Date(iso);
    return d.toLocaleDateString() + " " + d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }
  function request(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(API + path, options).then(function (answer) {
      if (answer.status === 401) { window.location.assign("/console/login"); throw new Error("logged out"); }
      return answer.json().then(function (data) {
        if (!answer.ok) throw new Error(data.error || ("HTTP " + answer.status));
        return data;
      });
    });
  }
  function conversationPath(id, action) {
    return "/conversations/" + encodeURIComponent(id) + (action ? "/" + action : "");
  }

  function fillList(id, items, describe) {
    var list = $(id);
    list.replaceChildren();
    $(id + "-count").textContent = "(" + items.length + ")";
    items.forEach(function (ticket) {
      var item = el("li");
      item.dataset.conversation = ticket.conversation_id;
      item.dataset.reference = ticket.reference;
      if (selected && selected.ticket.reference === ticket.reference) item.classList.add("selected");
      item.appendChild(el("strong", null, ticket.reference + " · " + (ticket.title || ticket.error_id || "no known error")));
      item.appendChild(el("small", null, describe(ticket)));
      item.addEventListener("click", function () { select(ticket); });
      list.appendChild(item);
    });
  }
  function who(ticket) {
    var c = ticket.customer || {};
    return c.user_name || c.account_id || "customer";
  }

  function refreshQueue() {
    return request("GET", "/queue").then(function (queue) {
      $("me").textContent = queue.agent.name;
      var notes = ["Agents online: " + (queue.agents_online.join(", ") || "none")];
      if (!queue.line_open) notes.push("outside opening hours");
      if (!queue.takeover) notes.push("live chat off (BOT_API_TOKEN unset)");
      $("status").textContent = notes.join(" · ");
      byConversation = {};
      queue.open.concat(queue.waiting, queue.live).forEach(function (t) { byConversation[t.conversation_id] = t; });
      fillList("live", queue.live, function (t) { return t.live.agent_name + " with " + who(t) + " since " + when(t.live.started_at); });
      fillList("waiting", queue.waiting, function (t) { return who(t) + " · " + t.channel + " · " + when(t.created_at); });
      fillList("open", queue.open, function (t) { return who(t) + " · " + t.reason + " · " + when(t.created_at); });
    }).catch(function (problem) { $("status").textContent = "Could not load the queue: " + problem.message; });
  }

  function facts(list, data) {
    list.replaceChildren();
    Object.keys(data || {}).forEach(function (name) {
      if (name === "verified") return;
      list.appendChild(el("dt", null, name));
      list.appendChild(el("dd", null, data[name]));
    });
    if (!list.children.length) list.appendChild(el("dd", null, "(none)"));
  }

  function select(ticket) {
    selected = { conversation_id: ticket.conversation_id, ticket: ticket };
    $("nothing").hidden = true;
    $("detail").hidden = false;
    $("detail-title").textContent = ticket.reference + " · " + (ticket.title || ticket.error_id || "no known error");
    $("detail-meta").textContent = "Handed over " + when(ticket.created_at) + " · " + ticket.reason + " · " + ticket.channel + " · conversation " + ticket.conversation_id;
    facts($("values"), ticket.values);
    facts($("customer"), ticket.customer);
    badge((ticket.customer || {}).verified === "yes");
    var steps = $("steps");
    steps.replaceChildren();
    ((ticket.steps || {}).shown || []).forEach(function (s) { steps.appendChild(el("li", null, s)); });
    $("transcript").replaceChildren();
    (ticket.transcript || []).forEach(function (turn) { addTurn(turn); });
    document.querySelectorAll(".items li").forEach(function (li) {
      li.classList.toggle("selected", li.dataset.reference === ticket.reference);
    });
    refreshConversation();
  }

  // Verified: signed by the Joblogic app; otherwise only what the browser claimed.
  function badge(verified) {
    $("verified").textContent = verified ? "verified" : "not verified";
    $("verified").className = "badge " + (verified ? "verified" : "unverified");
  }

  function addTurn(turn) {
    var label = turn.who === "agent" ? (turn.agent || "agent") : turn.who;
    var item = el("li", turn.who);
    item.appendChild(el("span", "who", label + (turn.at ? " · " + when(turn.at) : "")));
    // Markdown links ([label](url)) as their label: the agent reads what the customer read.
    var text = turn.who === "customer" ? turn.text : turn.text.replace(/\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g, "$1");
    item.appendChild(document.createTextNode(text));
    $("transcript").appendChild(item);
  }

  function showConversation(data) {
    if (!selected || data.conversation_id !== selected.conversation_id) return;
    var problem = $("detail-problem");
    problem.hidden = !data.unavailable;
    problem.textContent = data.unavailable ? "Live view unavailable: " + data.unavailable : "";
    if (data.turns) {
      var box = $("transcript");
      var atEnd = box.lastElementChild === null || window.innerHeight + window.scrollY >= document.body.offsetHeight - 40;
      box.replaceChildren();
      data.turns.forEach(addTurn);
      if (atEnd && box.lastElementChild) box.lastElementChild.scrollIntoView({ block: "nearest" });
      badge(data.customer.verified);
      if (Object.keys(data.customer).length > 1) facts($("customer"), data.customer);
    }
    var mine = data.mine;
    var someoneElse = data.live && !mine;
    $("take-over").hidden = mine;
    $("take-over").disabled = Boolean(someoneElse) || Boolean(data.unavailable);
    $("take-over").textContent = someoneElse ? data.live.agent_name + " is in this chat" : "Take over";
    $("hand-back").hidden = !mine;
    $("reply").hidden = !mine;
  }

  function refreshConversation() {
    if (!selected) return Promise.resolve();
    return request("GET", conversationPath(selected.conversation_id)).then(showConversation)
      .catch(function (problem) { $("detail-problem").hidden = false; $("detail-problem").textContent = problem.message; });
  }

  function act(action, body) {
    if (!selected) return Promise.resolve();
    $("detail-problem").hidden = true;
    return request("POST", conversationPath(selected.conversation_id, action), body || {})
      .then(function (data) { showConversation(data); refreshQueue(); return true; })
      .catch(function (problem) {
        $("detail-problem").hidden = false;
        $("detail-problem").textContent = problem.message;
        return false;
      });
  }

  $("take-over").addEventListener("click", function () { act("takeover"); });
  $("hand-back").addEventListener("click", function () { act("handback"); });
  $("reply").addEventListener("submit", function (event) {
    event.preventDefault();
    var box = $("reply-text");
    var text = box.value.trim();
    if (!text) return;
    act("messages", { text: text }).then(function (sent) { if (sent) { box.value = ""; box.focus(); } });
  });
  $("reply-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("reply").requestSubmit(); }
  });

  refreshQueue();
  setInterval(refreshQueue, 2000);
  setInterval(refreshConversation, 1000);
})();
