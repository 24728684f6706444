// @ts-check
/** @module voice/voicebar — "Voice connected" region: channel, quality, mute, deafen, disconnect. */
import { html } from "../lib/html.js";
import { channels, voiceStates, me } from "../net/store.js";
import { voice, voiceError, leaveVoice, toggleMute, toggleDeafen } from "./engine.js";
import { Icon } from "../ui/icons.js";
import { navigate } from "../router.js";

export function VoiceBar() {
  const v = voice.value;
  const err = voiceError.value;
  if (!v.channelId) return err ? html`<div class="voice-error" role="alert">${err} <button class="link" onClick=${() => { voiceError.value = null; }}>Dismiss</button></div>` : null;
  const ch = channels.value.get(v.channelId);
  const mine = me.value ? voiceStates.value.get(me.value.id) : undefined;
  const status = v.status === "connected" ? "Voice connected" : v.status === "failed" ? "Connection failed" : "Connecting…";
  const q = v.quality;
  return html`<section class="voice-bar" aria-label="Voice connected">
    ${err ? html`<div class="voice-error" role="alert">${err}</div>` : null}
    <div class="vb-row">
      <div class="vb-info">
        <div class=${"vb-status " + v.status + (q ? " q-" + q.level : "")}>
          <${Icon} name="signal" size=${16} />
          <span>${status}</span>
        </div>
        <div class="vb-sub">
          <button class="link vb-channel" onClick=${() => ch && navigate(`/channels/${ch.id}`)}>${ch ? ch.name : "Voice"}</button>
          ${q ? html`<span class="vb-ping" title="Round-trip time to the server">· ${q.rtt} ms</span>` : null}
        </div>
        ${mine && (mine.mute || mine.deaf) ? html`<div class="vb-server">${mine.deaf ? "Server deafened" : "Server muted"} by a moderator</div>` : null}
      </div>
      <button class="icon-btn danger" aria-label="Disconnect" title="Disconnect" onClick=${leaveVoice}><${Icon} name="phoneOff" size=${18} /></button>
    </div>
    <div class="vb-actions">
      <button class=${"btn small" + (v.selfMute ? " on" : "")} onClick=${toggleMute} aria-pressed=${v.selfMute ? "true" : "false"}>
        <${Icon} name=${v.selfMute ? "micOff" : "mic"} size=${16} /> ${v.selfMute ? "Unmute" : "Mute"}
      </button>
      <button class=${"btn small" + (v.selfDeaf ? " on" : "")} onClick=${toggleDeafen} aria-pressed=${v.selfDeaf ? "true" : "false"}>
        <${Icon} name=${v.selfDeaf ? "headphonesOff" : "headphones"} size=${16} /> ${v.selfDeaf ? "Undeafen" : "Deafen"}
      </button>
    </div>
  </section>`;
}
