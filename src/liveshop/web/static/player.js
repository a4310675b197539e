"use strict";
// The show's video: HLS from the media server, played with hls.js (served from /static/vendor,
// installed from npm at build time) or natively where the browser plays HLS itself. Follows the
// stream's state from the room channel (room.js re-dispatches "stream" events): publishing →
// play, interrupted → "the host will be right back", ended → stop.
document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("room");
  if (!root) return;
  const box = document.getElementById("video");
  const placeholder = document.getElementById("placeholder");
  const notice = el("div", { class: "stream-notice", id: "stream-notice", hidden: true });
  box.appendChild(notice);
  let hls = null;
  let video = null;
  let source = null;
  let retry = null;

  function say(text) {
    notice.textContent = text;
    notice.hidden = !text;
  }

  function stop() {
    clearTimeout(retry);
    if (hls) { hls.destroy(); hls = null; }
    if (video) { video.remove(); video = null; }
    placeholder.hidden = false;
  }

  function play() {
    if (!source || video) return;
    video = el("video", { id: "player", muted: true, autoplay: true, playsinline: true, controls: true });
    video.muted = true; // autoplay is allowed muted; the viewer unmutes with the controls
    box.insertBefore(video, box.firstChild);
    placeholder.hidden = true;
    // The first segments take a moment after the stream starts: on a fatal error, try again shortly.
    hls = attachHls(video, source, { liveSyncDurationCount: 2, manifestLoadingMaxRetry: 6 }, () => {
      stop();
      retry = setTimeout(play, 2000);
    });
    video.play().catch(() => {});
  }

  function follow(state) {
    root.dataset.stream = state;
    if (state === "publishing") { say(""); play(); }
    else if (state === "interrupted") { say(T.host_right_back); }
    else if (state === "ended") { say(""); stop(); }
  }

  // For `liveshop bench video`: how far behind the live edge the player is, in seconds.
  window.liveshopPlayer = { latency: () => (hls ? hls.latency : null) };
  document.addEventListener("liveshop:stream", (e) => follow(e.detail));
  api("GET", `/api/v1/rooms/${root.dataset.roomId}/media`).then((media) => {
    source = media.hls_url;
    follow(media.stream);
    if (media.room_status === "ended" && media.replay === "ready") {
      notice.replaceChildren(el("a", { href: `/rooms/${root.dataset.roomId}/replay`, id: "replay-link" }, `▶ ${T.replay}`));
      notice.hidden = false;
    }
  }).catch(() => {});
});
