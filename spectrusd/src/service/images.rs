//! Image uploads: pixel size and a thumbnail (the `image` crate, decoded within limits so a
//! decompression bomb is refused), and metadata stripped.
//!
//! EXIF (camera, GPS position, time) is stripped **losslessly**, by dropping the metadata
//! segments and chunks of JPEG (APP1 Exif/XMP, APP13 IPTC, comments), PNG (eXIf, tEXt,
//! zTXt, iTXt, tIME) and WebP (EXIF, XMP), rather than by re-encoding: re-encoding would
//! cost quality on every JPEG, lose GIF animation and make WebP files much larger
//! (the `image` crate writes only lossless WebP). The pixels are untouched. A JPEG's EXIF
//! orientation (how a phone held sideways says "rotate me") is the one tag kept, in a minimal
//! EXIF segment of its own, so browsers still show the photo upright; the reported width and
//! height and the thumbnail are the upright ones.
//! Everything here is blocking: callers run it in `spawn_blocking`.

use std::io::Cursor;
use std::path::Path;

use image::codecs::gif::{GifDecoder, GifEncoder, Repeat};
use image::codecs::webp::WebPDecoder;
use image::metadata::Orientation;
use image::{AnimationDecoder, Frame, ImageDecoder, ImageFormat, ImageReader, Limits};

use crate::domain::image_urls::ImageKind;

/// Longer side of a thumbnail, in pixels.
pub(crate) const THUMB_SIDE: u32 = 400;

/// Memory a decode may take.
const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// What an image upload became.
pub(crate) struct Processed {
    pub width: u32,
    pub height: u32,
    /// The file without its metadata, when there was any to drop.
    pub stripped: Option<Vec<u8>>,
    /// A thumbnail (JPEG, or PNG when the image has transparency) when the image is larger
    /// than one.
    pub thumbnail: Option<Vec<u8>>,
}

/// Why an image was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ImageError {
    #[error("the image is {width}×{height} pixels; at most {max} on a side are accepted")]
    TooLarge { width: u32, height: u32, max: u32 },
    #[error("cannot read the file: {0}")]
    Io(#[from] std::io::Error),
}

/// Processes the image at `path` of sniffed type `content_type`. `Ok(None)`: not an image
/// this server decodes (or a corrupt one): it is kept as a plain file.
pub(crate) fn process(
    path: &Path,
    content_type: &str,
    max_side: u32,
) -> Result<Option<Processed>, ImageError> {
    let format = match content_type {
        "image/png" => ImageFormat::Png,
        "image/jpeg" => ImageFormat::Jpeg,
        "image/gif" => ImageFormat::Gif,
        "image/webp" => ImageFormat::WebP,
        _ => return Ok(None),
    };
    let bytes = std::fs::read(path)?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(max_side);
    limits.max_image_height = Some(max_side);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let reader = |limits: Limits| {
        let mut r = ImageReader::with_format(Cursor::new(&bytes[..]), format);
        r.limits(limits);
        r
    };
    // The header first, without limits on size: a bomb is refused by what it claims.
    let Ok((width, height)) = reader(Limits::no_limits()).into_dimensions() else {
        return Ok(None);
    };
    if width > max_side || height > max_side {
        return Err(ImageError::TooLarge {
            width,
            height,
            max: max_side,
        });
    }
    let orientation = reader(Limits::no_limits())
        .into_decoder()
        .and_then(|mut d| d.orientation())
        .unwrap_or(Orientation::NoTransforms);
    let thumbnail = if width > THUMB_SIDE || height > THUMB_SIDE {
        match reader(limits).decode() {
            Ok(mut img) => {
                img.apply_orientation(orientation);
                let t = img.thumbnail(THUMB_SIDE, THUMB_SIDE);
                let mut out = Cursor::new(Vec::new());
                let written = if t.color().has_alpha() {
                    t.write_to(&mut out, ImageFormat::Png)
                } else {
                    t.to_rgb8().write_to(&mut out, ImageFormat::Jpeg)
                };
                written.ok().map(|()| out.into_inner())
            }
            Err(image::ImageError::Limits(_)) => {
                return Err(ImageError::TooLarge {
                    width,
                    height,
                    max: max_side,
                });
            }
            Err(_) => None,
        }
    } else {
        None
    };
    let stripped = match format {
        ImageFormat::Jpeg => strip_jpeg(&bytes, orientation.to_exif()),
        ImageFormat::Png => strip_png(&bytes),
        ImageFormat::WebP => strip_webp(&bytes),
        _ => None,
    };
    let (width, height) = if turns_sideways(orientation) {
        (height, width)
    } else {
        (width, height)
    };
    Ok(Some(Processed {
        width,
        height,
        stripped,
        thumbnail,
    }))
}

/// An avatar or icon: the image at `bytes` turned upright, cropped to a centred square and
/// scaled to `side` pixels, as PNG (which also leaves every bit of metadata behind).
pub(crate) fn square_png(bytes: &[u8], side: u32, max_side: u32) -> Result<Vec<u8>, String> {
    let img = decode_accepted(bytes, max_side)?;
    let out = img.resize_to_fill(side, side, image::imageops::FilterType::Lanczos3);
    let mut buf = Cursor::new(Vec::new());
    out.write_to(&mut buf, ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(buf.into_inner())
}

/// A custom emoji: the image at `bytes` turned upright and scaled down (never up) to fit in
/// `side` pixels, its aspect ratio kept, as PNG (a GIF or animated WebP keeps its first frame).
pub(crate) fn fit_png(bytes: &[u8], side: u32, max_side: u32) -> Result<Vec<u8>, String> {
    let img = decode_accepted(bytes, max_side)?;
    let out = if img.width() > side || img.height() > side {
        img.resize(side, side, image::imageops::FilterType::Lanczos3)
    } else {
        img
    };
    let mut buf = Cursor::new(Vec::new());
    out.write_to(&mut buf, ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(buf.into_inner())
}

/// Animated input larger than this on a side is refused (every frame is decoded whole).
pub(crate) const MAX_ANIMATED_SIDE: u32 = 512;
/// Frames of an animated emoji, at most.
pub(crate) const MAX_FRAMES: usize = 200;

/// A custom emoji: an animated GIF or WebP (two frames or more) becomes an animated GIF whose
/// frames are scaled down (never up) to fit in `side` pixels, delays kept, looping for ever;
/// anything else becomes a PNG as in [`fit_png`]. Answers the bytes and what they are.
pub(crate) fn fit_emoji(
    bytes: &[u8],
    side: u32,
    max_side: u32,
) -> Result<(Vec<u8>, ImageKind), String> {
    if let Some(frames) = animation(bytes, side, max_side)? {
        let mut out = Vec::new();
        {
            let mut enc = GifEncoder::new_with_speed(&mut out, 10);
            enc.set_repeat(Repeat::Infinite)
                .map_err(|e| e.to_string())?;
            enc.encode_frames(frames).map_err(|e| e.to_string())?;
        }
        return Ok((out, ImageKind::Gif));
    }
    fit_png(bytes, side, max_side).map(|png| (png, ImageKind::Png))
}

/// An animated emoji's still (shown to those who ask for reduced motion): the first frame of
/// the stored GIF `gif`, as it plays, in a PNG of the same size.
pub(crate) fn still_png(gif: &[u8]) -> Result<Vec<u8>, String> {
    let unreadable = |_| "the animation cannot be read".to_owned();
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut d = GifDecoder::new(Cursor::new(gif)).map_err(unreadable)?;
    d.set_limits(limits).map_err(unreadable)?;
    let first = d
        .into_frames()
        .next()
        .ok_or_else(|| "the animation has no frame".to_owned())?
        .map_err(unreadable)?;
    let mut buf = Cursor::new(Vec::new());
    first
        .into_buffer()
        .write_to(&mut buf, ImageFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(buf.into_inner())
}

/// The frames of an animated GIF or WebP scaled to fit in `side` pixels; `None` if `bytes` is
/// not one (or has a single frame).
fn animation(bytes: &[u8], side: u32, max_side: u32) -> Result<Option<Vec<Frame>>, String> {
    let unreadable = |_| "the image cannot be read".to_owned();
    let format = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .format();
    let mut limits = Limits::default();
    limits.max_image_width = Some(max_side);
    limits.max_image_height = Some(max_side);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let frames = match format {
        Some(ImageFormat::Gif) => {
            let mut d = GifDecoder::new(Cursor::new(bytes)).map_err(unreadable)?;
            d.set_limits(limits).map_err(unreadable)?;
            d.into_frames()
        }
        Some(ImageFormat::WebP) => {
            let mut d = WebPDecoder::new(Cursor::new(bytes)).map_err(unreadable)?;
            if !d.has_animation() {
                return Ok(None);
            }
            d.set_limits(limits).map_err(unreadable)?;
            d.into_frames()
        }
        _ => return Ok(None),
    };
    let mut out = Vec::new();
    for (i, frame) in frames.enumerate() {
        let frame = frame.map_err(unreadable)?;
        let (delay, buffer) = (frame.delay(), frame.into_buffer());
        let (w, h) = buffer.dimensions();
        if i == 1 && (w > MAX_ANIMATED_SIDE || h > MAX_ANIMATED_SIDE) {
            return Err(format!(
                "the animation is {w}×{h} pixels; an animated emoji is at most \
                 {MAX_ANIMATED_SIDE} on a side"
            ));
        }
        if i == MAX_FRAMES {
            return Err(format!("an animated emoji has at most {MAX_FRAMES} frames"));
        }
        let small = if w > side || h > side {
            let scale = f64::from(side) / f64::from(w.max(h));
            let nw = ((f64::from(w) * scale).round() as u32).max(1);
            let nh = ((f64::from(h) * scale).round() as u32).max(1);
            image::imageops::resize(&buffer, nw, nh, image::imageops::FilterType::Triangle)
        } else {
            buffer
        };
        out.push(Frame::from_parts(small, 0, 0, delay));
    }
    Ok((out.len() > 1).then_some(out))
}

/// Decodes a PNG, JPEG, GIF or WebP image of at most `max_side` pixels on a side, turned
/// upright by its EXIF orientation.
fn decode_accepted(bytes: &[u8], max_side: u32) -> Result<image::DynamicImage, String> {
    let reader = |limits: Limits| -> Result<ImageReader<Cursor<&[u8]>>, String> {
        let mut r = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|e| e.to_string())?;
        r.limits(limits);
        Ok(r)
    };
    let r = reader(Limits::no_limits())?;
    if !matches!(
        r.format(),
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP)
    ) {
        return Err("send a PNG, JPEG, GIF or WebP image".into());
    }
    let (w, h) = r
        .into_dimensions()
        .map_err(|_| "the image cannot be read".to_owned())?;
    if w > max_side || h > max_side {
        return Err(format!(
            "the image is {w}×{h} pixels; at most {max_side} on a side are accepted"
        ));
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(max_side);
    limits.max_image_height = Some(max_side);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut decoder = reader(limits)?
        .into_decoder()
        .map_err(|_| "the image cannot be read".to_owned())?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder)
        .map_err(|_| "the image cannot be read".to_owned())?;
    img.apply_orientation(orientation);
    Ok(img)
}

/// Whether showing the image upright swaps its width and height.
fn turns_sideways(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// An APP1 segment holding EXIF with one tag, the orientation (1–8), big-endian.
fn orientation_segment(orientation: u8) -> [u8; 36] {
    let mut s = [0u8; 36];
    s[..4].copy_from_slice(&[0xFF, 0xE1, 0x00, 34]);
    s[4..10].copy_from_slice(b"Exif\0\0");
    // TIFF header: big-endian, magic 42, IFD0 at offset 8.
    s[10..18].copy_from_slice(&[b'M', b'M', 0, 42, 0, 0, 0, 8]);
    // IFD0: one entry, tag 0x0112 (orientation), SHORT, count 1, the value; no next IFD.
    s[18..20].copy_from_slice(&[0, 1]);
    s[20..32].copy_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0]);
    s
}

/// A JPEG without APP1 (Exif, XMP), APP13 (IPTC) and comment segments; `None` when there
/// were none (or the file is not laid out as expected). An `orientation` other than 1 is
/// kept in a minimal EXIF segment of its own (after the JFIF header when there is one).
pub(crate) fn strip_jpeg(b: &[u8], orientation: u8) -> Option<Vec<u8>> {
    if b.get(..2)? != [0xFF, 0xD8] {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..2]);
    let mut i = 2;
    let mut dropped = false;
    let mut pending = (orientation != 1).then(|| orientation_segment(orientation));
    loop {
        if let Some(seg) = pending
            && b.get(i + 1) != Some(&0xE0)
        {
            out.extend_from_slice(&seg);
            pending = None;
        }
        if *b.get(i)? != 0xFF {
            return None;
        }
        let marker = *b.get(i + 1)?;
        if marker == 0xFF {
            i += 1;
            continue;
        }
        if marker == 0xDA || marker == 0xD9 {
            // Start of scan: the entropy-coded data and the rest are kept as they are.
            out.extend_from_slice(&b[i..]);
            break;
        }
        if (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            out.extend_from_slice(&b[i..i + 2]);
            i += 2;
            continue;
        }
        let len = usize::from(u16::from_be_bytes([*b.get(i + 2)?, *b.get(i + 3)?]));
        let end = i + 2 + len;
        let segment = b.get(i..end)?;
        if matches!(marker, 0xE1 | 0xED | 0xFE) {
            dropped = true;
        } else {
            out.extend_from_slice(segment);
        }
        i = end;
    }
    dropped.then_some(out)
}

/// A PNG without eXIf and text chunks; `None` when there were none.
pub(crate) fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    const SIG: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if b.get(..8)? != SIG {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&SIG);
    let mut i = 8;
    let mut dropped = false;
    while i < b.len() {
        let len = u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize;
        let end = i.checked_add(12)?.checked_add(len)?;
        let chunk = b.get(i..end)?;
        let kind = &chunk[4..8];
        if matches!(kind, b"eXIf" | b"tEXt" | b"zTXt" | b"iTXt" | b"tIME") {
            dropped = true;
        } else {
            out.extend_from_slice(chunk);
        }
        i = end;
    }
    dropped.then_some(out)
}

/// A WebP without EXIF and XMP chunks (and their VP8X flags); `None` when there were none.
pub(crate) fn strip_webp(b: &[u8]) -> Option<Vec<u8>> {
    if b.get(..4)? != b"RIFF" || b.get(8..12)? != b"WEBP" {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..12]);
    let mut i = 12;
    let mut dropped = false;
    while i + 8 <= b.len() {
        let kind = &b[i..i + 4];
        let len = u32::from_le_bytes(b.get(i + 4..i + 8)?.try_into().ok()?) as usize;
        let end = (i + 8 + len + (len & 1)).min(b.len());
        let chunk = b.get(i..end)?;
        if kind == b"EXIF" || kind == b"XMP " {
            dropped = true;
        } else {
            out.extend_from_slice(chunk);
        }
        i = end;
    }
    if !dropped {
        return None;
    }
    // VP8X flags: bit 3 EXIF, bit 2 XMP.
    if out.get(12..16) == Some(b"VP8X") {
        out[20] &= !(0x08 | 0x04);
    }
    let size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_loses_exif_and_keeps_the_rest() {
        let mut j = vec![0xFF, 0xD8];
        j.extend_from_slice(&[0xFF, 0xE0, 0x00, 0x04, 1, 2]); // APP0 kept
        j.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x08]);
        j.extend_from_slice(b"Exif\0\0"); // APP1 dropped
        j.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 9, 9, 0xFF, 0xD9]);
        let s = strip_jpeg(&j, 1).unwrap_or_default();
        assert_eq!(
            s,
            [
                0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 1, 2, 0xFF, 0xDA, 0, 2, 9, 9, 0xFF, 0xD9
            ]
        );
        assert!(strip_jpeg(&s, 1).is_none());
    }

    /// A real JPEG `w`×`h` whose EXIF says `orientation`, with a comment and GPS-like junk.
    fn sideways_photo(w: u32, h: u32, orientation: u8) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, _| image::Rgb([(x % 256) as u8, 90, 30]));
        let mut plain = Cursor::new(Vec::new());
        img.write_to(&mut plain, ImageFormat::Jpeg)
            .unwrap_or_default();
        let plain = plain.into_inner();
        let mut j = plain[..2].to_vec();
        j.extend_from_slice(&orientation_segment(orientation));
        j.extend_from_slice(&[0xFF, 0xFE, 0x00, 0x0C]);
        j.extend_from_slice(b"GPS 51N2E"); // a comment segment: dropped
        j.push(0);
        j.extend_from_slice(&plain[2..]);
        j
    }

    #[test]
    fn a_sideways_photo_keeps_only_its_orientation_and_reports_upright_sizes() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("photo.jpg");
        std::fs::write(&path, sideways_photo(800, 200, 6)).unwrap_or_else(|e| panic!("{e}"));
        let p = process(&path, "image/jpeg", 4096)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("not an image"));
        // Shown upright (rotated 90°), the photo is 200 wide and 800 high.
        assert_eq!((p.width, p.height), (200, 800));
        let stripped = p.stripped.unwrap_or_default();
        assert!(
            !stripped.windows(3).any(|w| w == b"GPS"),
            "the comment is gone"
        );
        let mut dec = ImageReader::with_format(Cursor::new(&stripped[..]), ImageFormat::Jpeg)
            .into_decoder()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(dec.orientation().ok(), Some(Orientation::Rotate90));
        // The thumbnail carries no EXIF, so it is turned already.
        let thumb = image::load_from_memory(&p.thumbnail.unwrap_or_default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((thumb.width(), thumb.height()), (100, 400));
    }

    #[test]
    fn an_avatar_from_a_sideways_photo_is_upright() {
        // Upright, the 80×40 photo is 40 wide and 80 high, its red edge (x = 0) on top.
        let img = image::RgbImage::from_fn(80, 40, |x, _| {
            image::Rgb(if x < 40 { [250, 0, 0] } else { [0, 0, 250] })
        });
        let mut plain = Cursor::new(Vec::new());
        img.write_to(&mut plain, ImageFormat::Jpeg)
            .unwrap_or_default();
        let plain = plain.into_inner();
        let mut j = plain[..2].to_vec();
        j.extend_from_slice(&orientation_segment(6));
        j.extend_from_slice(&plain[2..]);
        let png = square_png(&j, 20, 4096).unwrap_or_else(|e| panic!("{e}"));
        let out = image::load_from_memory(&png)
            .unwrap_or_else(|e| panic!("{e}"))
            .to_rgb8();
        // Rotated 90° clockwise, the left (red) half of the stored pixels becomes the top.
        let top = out.get_pixel(10, 2);
        let bottom = out.get_pixel(10, 17);
        assert!(top[0] > 200 && top[2] < 60, "top {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "bottom {bottom:?}");
    }

    #[test]
    fn an_upright_photo_gets_no_orientation_segment() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("photo.jpg");
        std::fs::write(&path, sideways_photo(60, 30, 1)).unwrap_or_else(|e| panic!("{e}"));
        let p = process(&path, "image/jpeg", 4096)
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("not an image"));
        assert_eq!((p.width, p.height), (60, 30));
        let stripped = p.stripped.unwrap_or_default();
        assert!(!stripped.windows(4).any(|w| w == b"Exif"));
    }
}
