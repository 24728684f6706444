// Voice interop probe for spectrusd/tests/voice_chromium.rs; see voice-test.html.
"use strict";
const params = new URLSearchParams(location.hash.slice(1));
const token = params.get("token");
const channel = params.get("channel");
const report = params.get("report");
const logEl = document.getElementById("log");
function log(s) { logEl.textContent += s + "\n"; }

async function post(content) {
  try {
    await fetch(`/api/v1/channels/${report}/messages`, {
      method: "POST",
      headers: { "Authorization": `Bearer ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ content }),
    });
  } catch (e) { log("post failed: " + e); }
}

let ws, pc, mic, analyser, audioCtx, reports = 0, tracks = 0;
const send = (op, d) => ws.send(JSON.stringify({ op, d }));

async function onOffer(sdp) {
  await pc.setRemoteDescription({ type: "offer", sdp });
  // Send the microphone on the server's receive section (the first m-line).
  const first = pc.getTransceivers()[0];
  if (first && mic && !first.sender.track) {
    await first.sender.replaceTrack(mic);
    // sendrecv: the first section may also carry a speaker (JSEP narrows it to sendonly
    // where the server only receives).
    first.direction = "sendrecv";
  }
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  send("voice_answer", { sdp: pc.localDescription.sdp });
  if (params.get("debug")) {
    const pick = (x) => x.split("\r\n").filter((l) => /^(m=|a=rtpmap|a=fmtp|a=ssrc|a=extmap|a=send|a=recv|a=inactive|a=mid|a=msid)/.test(l)).join(" | ");
    post("voice-test sdp offer: " + pick(sdp).slice(0, 1800));
    post("voice-test sdp answer: " + pick(pc.localDescription.sdp).slice(0, 1800));
  }
}

function dominant() {
  const bins = new Float32Array(analyser.frequencyBinCount);
  analyser.getFloatFrequencyData(bins);
  const hz = audioCtx.sampleRate / analyser.fftSize;
  let best = -1, db = -Infinity;
  for (let i = Math.ceil(100 / hz); i < bins.length; i++) {
    if (bins[i] > db) { db = bins[i]; best = i; }
  }
  return [Math.round(best * hz), Math.round(db)];
}

async function start() {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  mic = stream.getAudioTracks()[0];
  audioCtx = new AudioContext();
  analyser = audioCtx.createAnalyser();
  analyser.fftSize = 8192;
  pc = new RTCPeerConnection();
  pc.onicecandidate = (e) => {
    if (e.candidate && e.candidate.candidate) {
      send("voice_candidate", {
        candidate: e.candidate.candidate,
        sdp_mid: e.candidate.sdpMid,
        sdp_mline_index: e.candidate.sdpMLineIndex,
      });
    }
  };
  pc.onconnectionstatechange = () => log("connection: " + pc.connectionState);
  pc.ontrack = (e) => {
    const s = e.streams[0] || new MediaStream([e.track]);
    // Chromium only feeds remote WebRTC audio to WebAudio while a media element plays it.
    const el = new Audio();
    el.srcObject = s;
    el.play().catch(() => {});
    audioCtx.createMediaStreamSource(s).connect(analyser);
    tracks++;
    log("track from " + s.id);
  };
  ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/v1/gateway`);
  ws.onmessage = async (m) => {
    const f = JSON.parse(m.data);
    if (f.op === "hello") {
      setInterval(() => send("heartbeat", { seq: null }), f.d.heartbeat_interval_ms);
      send("identify", { token });
    } else if (f.op === "ready") {
      send("voice_join", { channel_id: channel, self_mute: false, self_deaf: false });
    } else if (f.op === "voice_offer") {
      try { await onOffer(f.d.sdp); } catch (e) { post("voice-test error=" + e); }
    } else if (f.op === "voice_candidate") {
      try { await pc.addIceCandidate({ candidate: f.d.candidate, sdpMid: f.d.sdp_mid, sdpMLineIndex: f.d.sdp_mline_index }); } catch (e) { log("candidate: " + e); }
    } else if (f.op === "voice_error") {
      log("voice_error " + JSON.stringify(f.d));
      if (f.d.code !== "bad_request") post("voice-test error=" + f.d.code);
    }
  };
  setInterval(async () => {
    if (reports++ > 60) return;
    if (audioCtx.state !== "running") audioCtx.resume().catch(() => {});
    const [hz, db] = dominant();
    let inbound = 0, level = 0, extra = "";
    try {
      (await pc.getStats()).forEach((r) => {
        if (r.type === "inbound-rtp") {
          inbound += r.packetsReceived || 0; level = Math.max(level, r.audioLevel || 0);
          extra = `samples=${r.totalSamplesReceived} concealed=${r.concealedSamples} silent=${r.silentConcealedSamples} discarded=${r.packetsDiscarded} decoded=${r.jitterBufferEmittedCount} codec=${r.codecId}`;
        }
      });
    } catch (e) { log("stats: " + e); }
    post(`voice-test heard=${hz} db=${db} state=${pc.connectionState} audio=${audioCtx.state} tracks=${tracks} inbound=${inbound} level=${level.toFixed(3)} ${extra}`);
  }, 2000);
}

start().catch((e) => post("voice-test error=" + e));
