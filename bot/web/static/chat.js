/* Nonghui chat page: sends farmer turns to POST /api/chat and renders the replies.
   All text goes into the page through textContent, never innerHTML. */
(function () {
  "use strict";

  var API_URL = "/api/chat";
  var REQUEST_TIMEOUT_MS = 30000;
  var CHAT_TIMEOUT_MS = 20000;        // one try of POST /api/chat; then the same message is sent again
  var RETRY_DELAYS_MS = [1000, 3000]; // pauses before the second and third try
  var SENDER_KEY = "nonghui.sender_id";
  var LANG_KEY = "nonghui.lang";

  var UI = {
    zh: {
      title: "农惠助手",
      placeholder: "输入您的问题…",
      label: "输入您的问题",
      send: "发送",
      toggle: "EN",
      toggleLabel: "Switch to English",
      sources: "来源：",
      typing: "正在输入…",
      listening: "正在听…",
      mic: "点一下开始说话，再点一下发送",
      micStop: "点一下发送语音",
      voiceSent: "🎤 语音",
      micDenied: "无法使用麦克风，请您在浏览器里允许使用麦克风，或者直接打字。",
      unreachable: "暂时连不上服务器，请检查网络后再试一次。",
      failed: "抱歉，出了点问题，请稍后再试。",
      retrying: "网络不太好，正在重新发送您的消息…",
      resend: "重新发送"
    },
    en: {
      title: "Nonghui assistant",
      placeholder: "Type your question…",
      label: "Type your question",
      send: "Send",
      toggle: "中文",
      toggleLabel: "切换到中文",
      sources: "Sources:",
      typing: "Typing…",
      listening: "Listening…",
      mic: "Tap to start speaking, tap again to send",
      micStop: "Tap to send the voice message",
      voiceSent: "🎤 Voice message",
      micDenied: "The microphone cannot be used. Please allow it in your browser, or type your question.",
      unreachable: "Cannot reach the server right now. Please check your connection and try again.",
      failed: "Sorry, something went wrong. Please try again later.",
      retrying: "The connection is slow; sending your message again…",
      resend: "Send again"
    }
  };

  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("message");
  var sendButton = document.getElementById("send");
  var toggle = document.getElementById("lang-toggle");
  var micButton = document.getElementById("mic");

  var storage = safeStorage();
  forgetOldSenderId();
  var chosenLang = readStored(LANG_KEY);           // the farmer's explicit choice, sent as `lang`
  if (chosenLang !== "zh" && chosenLang !== "en") { chosenLang = null; }
  var uiLang = chosenLang || guessLang();           // language of the page's own labels
  var busy = false;

  function safeStorage() {
    try {
      var probe = "nonghui.probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null;  // private mode or blocked storage: the chat still works for this page view
    }
  }

  function readStored(key) {
    return storage ? storage.getItem(key) : null;
  }

  function writeStored(key, value) {
    if (storage) { storage.setItem(key, value); }
  }

  /* The chat id is issued by the server in an HttpOnly cookie (never readable here, never in a URL);
     an id an older version of this page kept in localStorage is forgotten. */
  function forgetOldSenderId() {
    if (storage) { storage.removeItem(SENDER_KEY); }
  }

  function guessLang() {
    var nav = (navigator.language || "zh").toLowerCase();
    return nav.indexOf("zh") === 0 ? "zh" : (nav.indexOf("en") === 0 ? "en" : "zh");
  }

  function applyUiLang() {
    var t = UI[uiLang];
    document.documentElement.lang = uiLang === "zh" ? "zh-CN" : "en";
    document.getElementById("title").textContent = t.title;
    document.getElementById("message-label").textContent = t.label;
    input.placeholder = t.placeholder;
    sendButton.textContent = t.send;
    toggle.textContent = t.toggle;
    toggle.setAttribute("aria-label", t.toggleLabel);
    toggle.setAttribute("lang", uiLang === "zh" ? "en" : "zh-CN");
    micButton.setAttribute("aria-label", recorder ? t.micStop : t.mic);
    micButton.title = recorder ? t.micStop : t.mic;
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function addBubble(kind, text) {
    var bubble = document.createElement("div");
    bubble.className = "msg " + kind;
    bubble.textContent = text;
    log.appendChild(bubble);
    scrollToEnd();
    return bubble;
  }

  function safeUrl(url) {
    if (typeof url !== "string") { return null; }
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function renderSources(bubble, sources) {
    if (!sources || !sources.length) { return; }
    var box = document.createElement("div");
    box.className = "sources";
    var label = document.createElement("span");
    label.className = "sources-label";
    label.textContent = UI[uiLang].sources;
    box.appendChild(label);
    var list = document.createElement("ul");
    sources.forEach(function (source) {
      var item = document.createElement("li");
      var caption = source.locator ? source.title + " · " + source.locator : source.title;
      var href = safeUrl(source.url);
      if (href) {
        var link = document.createElement("a");
        link.href = href;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.textContent = caption;
        item.appendChild(link);
      } else {
        item.textContent = caption;
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    bubble.appendChild(box);
  }

  function renderButtons(bubble, buttons) {
    if (!buttons || !buttons.length) { return; }
    var row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach(function (button) {
      var choice = document.createElement("button");
      choice.type = "button";
      choice.className = "choice";
      choice.textContent = button.title;
      choice.addEventListener("click", function () {
        send(button.payload, button.title, null);
      });
      row.appendChild(choice);
    });
    bubble.appendChild(row);
  }

  function renderReply(reply) {
    var bubble = addBubble("bot", reply.text || "");
    renderButtons(bubble, reply.buttons);
    renderSources(bubble, reply.sources);
    scrollToEnd();
  }

  function showTyping() {
    var bubble = document.createElement("div");
    bubble.className = "msg bot";
    bubble.setAttribute("role", "status");
    bubble.setAttribute("aria-label", UI[uiLang].typing);
    var dots = document.createElement("span");
    dots.className = "typing";
    for (var i = 0; i < 3; i++) { dots.appendChild(document.createElement("span")); }
    bubble.appendChild(dots);
    log.appendChild(bubble);
    scrollToEnd();
    return bubble;
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    micButton.disabled = value;
    Array.prototype.forEach.call(log.querySelectorAll(".choice"), function (b) { b.disabled = value; });
  }

  function errorText(status, body) {
    if (body && body.message && typeof body.message[uiLang] === "string") {
      return body.message[uiLang];
    }
    return status === 0 ? UI[uiLang].unreachable : UI[uiLang].failed;
  }

  /* A random id for one farmer message: sent with every try of that message, so the server answers a
     re-sent message once (its first answer) instead of applying it twice. */
  function newMessageId() {
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) { bytes[i] = Math.floor(Math.random() * 256); }
    }
    return "w-" + Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  /* Worth sending again with the same id: no answer came (network failure, timeout) or a gateway error. */
  function retryable(status) {
    return status === 0 || status === 502 || status === 503 || status === 504;
  }

  /* Send `text` (typed text or a button payload); `shown` is what appears as the farmer's message. */
  function send(text, shown, startPayload) {
    if (busy) { return; }
    if (shown) { addBubble("farmer", shown); }
    var body = { text: text, lang: chosenLang, message_id: newMessageId() };
    if (startPayload) { body.start_payload = startPayload; }
    deliver(body);
  }

  /* Try `body` up to 1 + RETRY_DELAYS_MS.length times with the same message id, showing a polite
     "sending again" state between tries; after the last failure offer a button that sends it again. */
  function deliver(body) {
    setBusy(true);
    var typing = showTyping();
    var notice = null;

    function attempt(tries) {
      var controller = typeof AbortController === "function" ? new AbortController() : null;
      var timer = controller ? window.setTimeout(function () { controller.abort(); }, CHAT_TIMEOUT_MS) : null;
      fetch(API_URL, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify(body),
        signal: controller ? controller.signal : undefined
      })
        .then(readResult, function () { return { status: 0, ok: false, data: null }; })
        .then(function (result) {
          if (timer !== null) { window.clearTimeout(timer); }
          if (!result.ok && retryable(result.status) && tries < RETRY_DELAYS_MS.length) {
            if (!notice) { notice = addBubble("notice retrying", UI[uiLang].retrying); }
            window.setTimeout(function () { attempt(tries + 1); }, RETRY_DELAYS_MS[tries]);
            return;
          }
          if (notice && notice.parentNode) { notice.parentNode.removeChild(notice); }
          if (typing.parentNode) { typing.parentNode.removeChild(typing); }
          if (!showResult(result) && retryable(result.status)) { offerResend(body); }
          setBusy(false);
        });
    }
    attempt(0);
  }

  /* A button under the last failure notice that sends the same message (same id) once more. */
  function offerResend(body) {
    var notices = log.querySelectorAll(".msg.notice");
    var last = notices[notices.length - 1];
    if (!last) { return; }
    var again = document.createElement("button");
    again.type = "button";
    again.className = "choice resend";
    again.textContent = UI[uiLang].resend;
    again.addEventListener("click", function () {
      if (busy) { return; }
      if (again.parentNode) { again.parentNode.removeChild(again); }
      deliver(body);
    });
    last.appendChild(document.createElement("br"));
    last.appendChild(again);
  }

  function readResult(response) {
    return response.json().then(
      function (data) { return { status: response.status, ok: response.ok, data: data }; },
      function () { return { status: response.status, ok: false, data: null }; }
    );
  }

  /* Render one answer (or its error notice); true when replies were shown. */
  function showResult(result) {
    if (!result.ok || !result.data || !Array.isArray(result.data.replies)) {
      addBubble("notice", errorText(result.status, result.data));
      return false;
    }
    if (!chosenLang && (result.data.lang === "zh" || result.data.lang === "en") && result.data.lang !== uiLang) {
      uiLang = result.data.lang;   // the page follows the language the farmer writes in
      applyUiLang();
    }
    result.data.replies.forEach(renderReply);
    return true;
  }

  /* Render the answer to a voice message (POST /api/voice), then end the busy state. */
  function post(request, typing, timer) {
    request
      .then(readResult, function () { return { status: 0, ok: false, data: null }; })
      .then(showResult)
      .then(function () {
        if (timer !== null) { window.clearTimeout(timer); }
        if (typing.parentNode) { typing.parentNode.removeChild(typing); }
        setBusy(false);
      });
  }

  /* Voice messages: the microphone button records with MediaRecorder (WebM/Opus where the browser has it) and
     uploads the recording to POST /api/voice; the bot reads back what it heard. At most 60 seconds. */
  var VOICE_URL = "/api/voice";
  var MAX_RECORDING_MS = 60000;
  var recorder = null;
  var recordingTimer = null;

  function canRecord() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
  }

  function uploadRecording(blob) {
    addBubble("farmer", UI[uiLang].voiceSent);
    setBusy(true);
    var typing = showTyping();
    typing.setAttribute("aria-label", UI[uiLang].listening);
    var controller = typeof AbortController === "function" ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, REQUEST_TIMEOUT_MS) : null;
    var url = VOICE_URL + (chosenLang ? "?lang=" + chosenLang : "");  // the chat is known by its signed cookie
    post(fetch(url, {
      method: "POST",
      headers: { "Content-Type": blob.type || "audio/webm" },
      credentials: "same-origin",
      body: blob,
      signal: controller ? controller.signal : undefined
    }), typing, timer);
  }

  function stopRecording() {
    if (recordingTimer !== null) { window.clearTimeout(recordingTimer); recordingTimer = null; }
    if (recorder && recorder.state !== "inactive") { recorder.stop(); }
  }

  function startRecording() {
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var type = MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported("audio/webm;codecs=opus")
        ? "audio/webm;codecs=opus" : "";
      var chunks = [];
      recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", function (event) {
        if (event.data && event.data.size) { chunks.push(event.data); }
      });
      recorder.addEventListener("stop", function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        var blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
        recorder = null;
        micButton.classList.remove("recording");
        applyUiLang();
        if (blob.size) { uploadRecording(blob); }
      });
      recorder.start();
      micButton.classList.add("recording");
      applyUiLang();
      recordingTimer = window.setTimeout(stopRecording, MAX_RECORDING_MS);
    }, function () {
      addBubble("notice", UI[uiLang].micDenied);
    });
  }

  if (canRecord()) {
    micButton.hidden = false;
    micButton.addEventListener("click", function () {
      if (recorder) { stopRecording(); return; }
      if (!busy) { startRecording(); }
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (busy || !text.trim()) { return; }
    input.value = "";
    send(text, text, null);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") { form.requestSubmit(); }
      else { form.dispatchEvent(new Event("submit", { cancelable: true })); }
    }
  });

  toggle.addEventListener("click", function () {
    chosenLang = uiLang === "zh" ? "en" : "zh";
    uiLang = chosenLang;
    writeStored(LANG_KEY, chosenLang);
    applyUiLang();
  });

  /* Messages sent outside a turn (a station's staff replying, application news, rating requests):
     GET /api/messages with the id of the last one shown, every few seconds while the page is visible. */
  var MESSAGES_URL = "/api/messages";
  var POLL_MS = 4000;
  var AFTER_KEY = "nonghui.messages_after";
  var polling = false;

  function pollMessages() {
    if (polling || document.hidden) { return; }
    polling = true;
    var after = parseInt(readStored(AFTER_KEY) || "0", 10) || 0;
    fetch(MESSAGES_URL + "?after=" + after, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !Array.isArray(data.messages)) { return; }
        data.messages.forEach(renderReply);
        if (typeof data.last_id === "number" && data.last_id > after) { writeStored(AFTER_KEY, String(data.last_id)); }
      })
      .catch(function () { /* offline for a moment: the next poll asks again from the same id */ })
      .then(function () { polling = false; });
  }

  applyUiLang();
  var start = new URLSearchParams(window.location.search).get("start");
  send("/greet", null, start ? start.slice(0, 256) : null);
  window.setInterval(pollMessages, POLL_MS);
})();
