// @ts-check
/**
 * @file An init script that lets a test hear what a page receives over WebRTC: it wraps
 * `RTCPeerConnection` so every received audio track also feeds a WebAudio AnalyserNode, and
 * exposes `window.__spectrusHeard()` → `{ hz, db, tracks }`, the dominant frequency above
 * 100 Hz and its level; and `window.__spectrusRtcp()` → what the page's connections learnt
 * from the RTCP the server sent them (Chromium's `remote-inbound-rtp` statistics come from the
 * server's receiver reports about what the page sends; `remote-outbound-rtp` from its sender
 * reports). The page's own code is untouched (the wrapper is a subclass).
 */

/** The script's source, for `page.addInitScript`. */
export const LISTEN_SCRIPT = `(() => {
  const Native = window.RTCPeerConnection;
  if (!Native) return;
  let ctx = null, analyser = null, tracks = 0;
  const keep = [], pcs = [];
  function hear(track) {
    if (track.kind !== "audio") return;
    if (!ctx) {
      ctx = new AudioContext();
      analyser = ctx.createAnalyser();
      analyser.fftSize = 8192;
    }
    const stream = new MediaStream([track]);
    // Chromium feeds remote WebRTC audio to WebAudio only while a media element plays it.
    const el = new Audio();
    el.muted = true;
    el.srcObject = stream;
    el.play().catch(() => {});
    keep.push(el);
    ctx.createMediaStreamSource(stream).connect(analyser);
    tracks++;
  }
  class Listening extends Native {
    constructor(...args) {
      super(...args);
      pcs.push(this);
      this.addEventListener("track", (e) => hear(e.track));
    }
  }
  window.RTCPeerConnection = Listening;
  window.__spectrusRtcp = async () => {
    const remoteInbound = [], remoteOutbound = [];
    for (const pc of pcs) {
      if (pc.connectionState === "closed") continue;
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type === "remote-inbound-rtp" && s.kind === "audio") {
          remoteInbound.push({
            ssrc: s.ssrc,
            packetsLost: s.packetsLost,
            fractionLost: s.fractionLost,
            jitter: s.jitter,
            roundTripTime: s.roundTripTime,
            rttMeasurements: s.roundTripTimeMeasurements,
          });
        }
        if (s.type === "remote-outbound-rtp" && s.kind === "audio") {
          remoteOutbound.push({ ssrc: s.ssrc, packetsSent: s.packetsSent, reports: s.reportsSent });
        }
      });
    }
    return { remoteInbound, remoteOutbound };
  };
  window.__spectrusHeard = () => {
    if (!analyser) return { hz: 0, db: -Infinity, tracks };
    if (ctx.state !== "running") ctx.resume().catch(() => {});
    const bins = new Float32Array(analyser.frequencyBinCount);
    analyser.getFloatFrequencyData(bins);
    const step = ctx.sampleRate / analyser.fftSize;
    let best = 0, db = -Infinity;
    for (let i = Math.ceil(100 / step); i < bins.length; i++) {
      if (bins[i] > db) { db = bins[i]; best = i; }
    }
    return { hz: Math.round(best * step), db: Math.round(db), tracks };
  };
})();`;
