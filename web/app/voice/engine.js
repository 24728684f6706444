// @ts-check
/**
 * @module voice/engine — browser voice against the SFU (ported from web/voice-test.js): the server
 * offers, we answer; microphone on the first transceiver; each speaker's stream (msid
 * `spectrus-<user_id>`) through its own WebAudio gain (0–200 %, remembered); mute, deafen,
 * voice activity gate or push-to-talk; device and processing settings; connection quality.
 */
import { signal } from "../../vendor/signals.mjs";
import { gatewaySend, frameListeners, readyListeners } from "../net/session.js";
import { prefs, setPrefs } from "../lib/prefs.js";

/**
 * @typedef {{channelId: string|null, status: "idle"|"connecting"|"connected"|"failed",
 *   quality: null|{rtt: number, level: "good"|"fair"|"poor"}, selfMute: boolean, selfDeaf: boolean}} VoiceUi
 */

/** What the voice bar shows. */
export const voice = signal(/** @type {VoiceUi} */ ({ channelId: null, status: "idle", quality: null, selfMute: false, selfDeaf: false }));
/** A microphone or join problem in words (role alert near the voice bar). */
export const voiceError = signal(/** @type {string|null} */ (null));
/** Live microphone level in dBFS (settings meter). */
export const micLevel = signal(-100);
/** Whether the gate is open (I am sending sound). */
export const transmitting = signal(false);

/** @type {RTCPeerConnection|null} */
let pc = null;
/** @type {MediaStream|null} */
let micStream = null;
/** @type {MediaStreamTrack|null} */
let micTrack = null;
/** @type {AudioContext|null} */
let ctx = null;
/** @type {GainNode|null} */
let master = null;
/** @type {AnalyserNode|null} */
let analyser = null;
/** @type {Map<string, {gain: GainNode, el: HTMLAudioElement, source: MediaStreamAudioSourceNode}>} */
const remotes = new Map();
/** @type {ReturnType<typeof setInterval>|undefined} */
let meterTimer;
/** @type {ReturnType<typeof setInterval>|undefined} */
let statsTimer;
let pttDown = false;
let lastLoud = 0;
let micAsked = false;

/** @param {Partial<VoiceUi>} patch */
function setVoice(patch) {
  voice.value = { ...voice.value, ...patch };
}

function audioCtx() {
  if (!ctx) {
    ctx = new AudioContext();
    master = ctx.createGain();
    master.connect(ctx.destination);
    applyOutput();
  }
  if (ctx.state !== "running") ctx.resume().catch(() => {});
  return ctx;
}

/** Use the chosen output device where the browser allows it. */
export function applyOutput() {
  const id = prefs.value.outputId;
  const c = /** @type {any} */ (ctx);
  if (c && typeof c.setSinkId === "function") c.setSinkId(id || "").catch(() => {});
}

/** Open (or reopen) the microphone with the chosen device and processing. */
async function openMic() {
  const p = prefs.value;
  /** @type {MediaTrackConstraints} */
  const audio = { echoCancellation: p.echo, noiseSuppression: p.noise, autoGainControl: true };
  if (p.inputId) audio.deviceId = { ideal: p.inputId };
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) throw new Error("This browser cannot use a microphone here (it needs HTTPS or localhost).");
  const stream = await navigator.mediaDevices.getUserMedia({ audio });
  if (micStream) for (const t of micStream.getTracks()) t.stop();
  micStream = stream;
  micTrack = stream.getAudioTracks()[0] || null;
  const c = audioCtx();
  analyser = c.createAnalyser();
  analyser.fftSize = 1024;
  c.createMediaStreamSource(new MediaStream(micTrack ? [micTrack.clone()] : [])).connect(analyser);
  if (pc && micTrack) {
    const first = pc.getTransceivers()[0];
    if (first) await first.sender.replaceTrack(micTrack);
  }
  startMeter();
}

/** Words for a getUserMedia failure. @param {unknown} e */
function micErrorText(e) {
  const name = e && typeof e === "object" && "name" in e ? String(e.name) : "";
  if (name === "NotAllowedError" || name === "SecurityError") return "Microphone access was refused. You can listen, but others cannot hear you. Allow the microphone in your browser's site settings, then rejoin.";
  if (name === "NotFoundError" || name === "OverconstrainedError") return "No microphone was found. You can listen; plug one in and rejoin to talk.";
  if (name === "NotReadableError") return "The microphone is busy in another application. You can listen; close it and rejoin to talk.";
  return "The microphone could not be opened: " + (e instanceof Error ? e.message : String(e));
}

/** Gate the microphone by mute, push-to-talk or voice activity. */
function startMeter() {
  clearInterval(meterTimer);
  const buf = new Float32Array(1024);
  meterTimer = setInterval(() => {
    let db = -100;
    if (analyser) {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const x of buf) sum += x * x;
      db = Math.max(-100, 10 * Math.log10(sum / buf.length + 1e-12));
    }
    micLevel.value = db;
    const p = prefs.value;
    const now = Date.now();
    if (db > p.threshold) lastLoud = now;
    const open = p.mode === "ptt" ? pttDown : now - lastLoud < 300;
    const on = !!voice.value.channelId && !voice.value.selfMute && !voice.value.selfDeaf && open;
    if (micTrack) micTrack.enabled = on;
    if (transmitting.value !== on) transmitting.value = on;
  }, 50);
}

/** @param {string} sdp */
async function onOffer(sdp) {
  if (!pc) return;
  await pc.setRemoteDescription({ type: "offer", sdp });
  const first = pc.getTransceivers()[0];
  if (first && micTrack && !first.sender.track) {
    await first.sender.replaceTrack(micTrack);
    first.direction = "sendrecv";
  }
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  if (pc.localDescription) gatewaySend("voice_answer", { sdp: pc.localDescription.sdp });
}

function newPeer() {
  const p = new RTCPeerConnection();
  p.onicecandidate = (e) => {
    if (e.candidate && e.candidate.candidate) {
      gatewaySend("voice_candidate", { candidate: e.candidate.candidate, sdp_mid: e.candidate.sdpMid, sdp_mline_index: e.candidate.sdpMLineIndex });
    }
  };
  p.onconnectionstatechange = () => {
    if (p !== pc) return;
    const s = p.connectionState;
    if (s === "connected") setVoice({ status: "connected" });
    else if (s === "failed") setVoice({ status: "failed" });
    else if (s === "connecting" || s === "new") setVoice({ status: "connecting" });
  };
  p.ontrack = (e) => {
    const stream = e.streams[0] || new MediaStream([e.track]);
    const uid = stream.id.startsWith("spectrus-") ? stream.id.slice(9) : stream.id;
    attachRemote(uid, stream);
  };
  return p;
}

/** @param {string} uid @param {MediaStream} stream */
function attachRemote(uid, stream) {
  const c = audioCtx();
  const old = remotes.get(uid);
  if (old) { old.source.disconnect(); old.el.srcObject = null; }
  // Chromium only feeds remote WebRTC audio to WebAudio while a media element plays it.
  const el = new Audio();
  el.srcObject = stream;
  el.muted = true;
  el.play().catch(() => {});
  const source = c.createMediaStreamSource(stream);
  const gain = c.createGain();
  gain.gain.value = volumeOf(uid) / 100;
  source.connect(gain);
  if (master) gain.connect(master);
  remotes.set(uid, { gain, el, source });
}

/** Remembered volume of a user in percent (0–200). @param {string} uid */
export function volumeOf(uid) {
  const v = prefs.value.volumes[uid];
  return typeof v === "number" ? v : 100;
}

/** @param {string} uid @param {number} pct */
export function setUserVolume(uid, pct) {
  const v = Math.max(0, Math.min(200, Math.round(pct)));
  setPrefs({ volumes: { ...prefs.value.volumes, [uid]: v } });
  const r = remotes.get(uid);
  if (r) r.gain.gain.value = v / 100;
}

function startStats() {
  clearInterval(statsTimer);
  statsTimer = setInterval(async () => {
    if (!pc) return;
    try {
      let rtt = -1;
      (await pc.getStats()).forEach((r) => {
        if (r.type === "candidate-pair" && (r.nominated || r.state === "succeeded") && typeof r.currentRoundTripTime === "number") rtt = r.currentRoundTripTime * 1000;
      });
      if (rtt >= 0) setVoice({ quality: { rtt: Math.round(rtt), level: rtt < 150 ? "good" : rtt < 300 ? "fair" : "poor" } });
    } catch {
      /* stats are best effort */
    }
  }, 2000);
}

function teardownPeer() {
  if (pc) pc.close();
  pc = null;
  for (const r of remotes.values()) { r.source.disconnect(); r.gain.disconnect(); r.el.srcObject = null; }
  remotes.clear();
}

/** Join a voice channel (asks for the microphone once). @param {string} cid */
export async function joinVoice(cid) {
  if (voice.value.channelId === cid && voice.value.status !== "failed") return;
  voiceError.value = null;
  audioCtx();
  if (!micTrack && !micAsked) {
    micAsked = true;
    try {
      await openMic();
    } catch (e) {
      voiceError.value = micErrorText(e);
    }
  }
  teardownPeer();
  pc = newPeer();
  setVoice({ channelId: cid, status: "connecting", quality: null, selfMute: voice.value.selfMute || !micTrack });
  startMeter();
  startStats();
  gatewaySend("voice_join", { channel_id: cid, self_mute: voice.value.selfMute, self_deaf: voice.value.selfDeaf });
}

/** Leave voice. */
export function leaveVoice() {
  if (!voice.value.channelId) return;
  gatewaySend("voice_leave", {});
  teardownPeer();
  clearInterval(statsTimer);
  setVoice({ channelId: null, status: "idle", quality: null });
  transmitting.value = false;
}

function sendState() {
  if (voice.value.channelId) gatewaySend("voice_state", { self_mute: voice.value.selfMute, self_deaf: voice.value.selfDeaf });
}

export async function toggleMute() {
  if (voice.value.selfMute && !micTrack) {
    try { await openMic(); voiceError.value = null; } catch (e) { voiceError.value = micErrorText(e); return; }
  }
  const selfMute = !voice.value.selfMute;
  setVoice({ selfMute, selfDeaf: selfMute ? voice.value.selfDeaf : false });
  applyDeaf();
  sendState();
}

/** Whether I had muted myself before deafening (undeafen keeps that mute, as Discord does). */
let mutedBeforeDeaf = false;

export function toggleDeafen() {
  const selfDeaf = !voice.value.selfDeaf;
  if (selfDeaf) mutedBeforeDeaf = voice.value.selfMute;
  setVoice({ selfDeaf, selfMute: selfDeaf ? true : mutedBeforeDeaf || (voice.value.selfMute && !micTrack) });
  applyDeaf();
  sendState();
}

function applyDeaf() {
  if (master) master.gain.value = voice.value.selfDeaf ? 0 : 1;
}

/** Reopen the microphone after a device or processing change. */
export async function reopenMic() {
  try {
    await openMic();
    voiceError.value = null;
  } catch (e) {
    voiceError.value = micErrorText(e);
  }
}

/** Start the microphone meter for settings (asks for the microphone). */
export async function startMicTest() {
  if (!micTrack) await reopenMic();
  else startMeter();
}

frameListeners.add((f) => {
  if (f.op === "voice_offer") {
    onOffer(String(f.d.sdp)).catch((e) => { voiceError.value = "Voice negotiation failed: " + (e instanceof Error ? e.message : String(e)); });
  } else if (f.op === "voice_candidate" && pc) {
    pc.addIceCandidate({ candidate: f.d.candidate, sdpMid: f.d.sdp_mid, sdpMLineIndex: f.d.sdp_mline_index }).catch(() => {});
  } else if (f.op === "voice_error") {
    const code = String(f.d.code);
    if (code === "bad_request" || code === "no_pending_offer") return;
    voiceError.value = String(f.d.message || code);
    if (code !== "not_in_voice") {
      teardownPeer();
      setVoice({ channelId: null, status: "idle", quality: null });
    }
  }
});

// A fresh ready means the server ended our voice session: join again.
readyListeners.add(() => {
  const cid = voice.value.channelId;
  if (cid) {
    setVoice({ channelId: null });
    joinVoice(cid);
  }
});

addEventListener("keydown", (e) => {
  if (e.code === prefs.value.pttKey && prefs.value.mode === "ptt" && !(e.target instanceof HTMLTextAreaElement) && !(e.target instanceof HTMLInputElement)) pttDown = true;
});
addEventListener("keyup", (e) => { if (e.code === prefs.value.pttKey) pttDown = false; });
addEventListener("blur", () => { pttDown = false; });
