//! Opus encoding and decoding of 20 ms mono frames, with packet-loss concealment.

use opus::{Application, Bitrate, Channels, Decoder, Encoder};

use crate::{FRAME_SAMPLES, SAMPLE_RATE, VoiceError};

/// Largest Opus packet we produce.
const MAX_PACKET: usize = 1275;

/// Encodes 20 ms frames.
pub struct OpusEncoder {
    inner: Encoder,
    bitrate: u32,
}

impl OpusEncoder {
    /// A VoIP-tuned mono encoder at `bitrate` b/s with in-band FEC.
    pub fn new(bitrate: u32) -> Result<Self, VoiceError> {
        let mut inner = Encoder::new(SAMPLE_RATE, Channels::Mono, Application::Voip)?;
        inner.set_bitrate(Bitrate::Bits(bitrate as i32))?;
        inner.set_inband_fec(true)?;
        inner.set_packet_loss_perc(5)?;
        Ok(Self { inner, bitrate })
    }

    /// Change the bitrate (e.g. to the room's `maxaveragebitrate`).
    pub fn set_bitrate(&mut self, bitrate: u32) -> Result<(), VoiceError> {
        if bitrate != self.bitrate {
            self.inner.set_bitrate(Bitrate::Bits(bitrate as i32))?;
            self.bitrate = bitrate;
        }
        Ok(())
    }

    /// The current bitrate.
    pub fn bitrate(&self) -> u32 {
        self.bitrate
    }

    /// Encode one frame of [`FRAME_SAMPLES`] samples.
    pub fn encode(&mut self, frame: &[f32]) -> Result<Vec<u8>, VoiceError> {
        Ok(self.inner.encode_vec_float(frame, MAX_PACKET)?)
    }
}

/// Decodes 20 ms frames of one remote stream.
pub struct OpusDecoder {
    inner: Decoder,
}

impl OpusDecoder {
    /// A mono 48 kHz decoder.
    pub fn new() -> Result<Self, VoiceError> {
        Ok(Self {
            inner: Decoder::new(SAMPLE_RATE, Channels::Mono)?,
        })
    }

    /// Decode `packet` into `out` ([`FRAME_SAMPLES`] long). Returns samples written.
    pub fn decode(&mut self, packet: &[u8], out: &mut [f32]) -> Result<usize, VoiceError> {
        if packet.is_empty() {
            return self.conceal(out);
        }
        Ok(self.inner.decode_float(packet, out, false)?)
    }

    /// Packet-loss concealment: synthesise the missing 20 ms from the decoder's state.
    pub fn conceal(&mut self, out: &mut [f32]) -> Result<usize, VoiceError> {
        let n = out.len().min(FRAME_SAMPLES);
        Ok(self.inner.decode_float(&[], &mut out[..n], false)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{AudioSource, SineSource, new_frame};
    use crate::tone::goertzel_power;

    #[test]
    fn roundtrip_keeps_the_tone_and_plc_continues_it() {
        let mut enc = OpusEncoder::new(32_000).unwrap();
        let mut dec = OpusDecoder::new().unwrap();
        let mut src = SineSource::new(440.0);
        let mut decoded = Vec::new();
        for _ in 0..25 {
            let mut f = new_frame();
            src.read_frame(&mut f);
            let p = enc.encode(&f).unwrap();
            assert!(!p.is_empty());
            let mut out = new_frame();
            assert_eq!(dec.decode(&p, &mut out).unwrap(), FRAME_SAMPLES);
            decoded.extend_from_slice(&out);
        }
        let tail = &decoded[decoded.len() - 4800..];
        assert!(goertzel_power(tail, 440.0) > 0.05);
        assert!(goertzel_power(tail, 660.0) < 0.01);
        let mut plc = new_frame();
        assert_eq!(dec.conceal(&mut plc).unwrap(), FRAME_SAMPLES);
        assert!(
            goertzel_power(&plc, 440.0) > 0.01,
            "PLC should extrapolate the tone"
        );
        enc.set_bitrate(16_000).unwrap();
        assert_eq!(enc.bitrate(), 16_000);
    }

    #[test]
    fn garbage_does_not_panic() {
        let mut dec = OpusDecoder::new().unwrap();
        let mut out = new_frame();
        let _ = dec.decode(&[0xff, 0xff, 0xff], &mut out);
        let _ = dec.decode(&[0x00], &mut out);
    }
}
