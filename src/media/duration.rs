//! Voice length from the audio frames themselves: AMR-NB (20 ms per frame) and MP3 (samples
//! per frame over the sample rate). No decoding, just the frame headers.

/// AMR-NB payload bytes per frame type (modes 0–7, SID, reserved, no data).
const AMR_FRAME_BYTES: [usize; 16] = [12, 13, 15, 17, 19, 20, 26, 31, 5, 6, 5, 5, 0, 0, 0, 0];

/// Milliseconds of AMR audio after the `#!AMR\n` header, or `None` with no whole frame.
pub(super) fn amr_millis(bytes: &[u8]) -> Option<u64> {
    let mut at = b"#!AMR\n".len();
    let mut frames = 0u64;
    while let Some(&toc) = bytes.get(at) {
        let size = 1 + AMR_FRAME_BYTES[usize::from((toc >> 3) & 0x0f)];
        if at + size > bytes.len() {
            break;
        }
        at += size;
        frames += 1;
    }
    (frames > 0).then_some(frames * 20)
}

/// Milliseconds of MP3 audio, skipping an ID3v2 tag, or `None` when no frame is found.
pub(super) fn mp3_millis(bytes: &[u8]) -> Option<u64> {
    let mut at = id3_len(bytes);
    let mut micros = 0u64;
    let mut frames = 0u32;
    while at + 4 <= bytes.len() {
        match frame(&bytes[at..at + 4]) {
            Some((len, samples, rate)) => {
                micros += samples * 1_000_000 / rate;
                frames += 1;
                at += len;
            }
            // Not a frame header here (junk, a trailing tag): look one byte further.
            None => at += 1,
        }
    }
    (frames > 0).then_some(micros / 1000)
}

/// The length of a leading ID3v2 tag (header, syncsafe size, optional footer), else 0.
fn id3_len(bytes: &[u8]) -> usize {
    if bytes.len() < 10 || &bytes[..3] != b"ID3" {
        return 0;
    }
    let size = bytes[6..10]
        .iter()
        .fold(0usize, |acc, b| (acc << 7) | usize::from(b & 0x7f));
    let footer = if bytes[5] & 0x10 != 0 { 10 } else { 0 };
    10 + size + footer
}

/// One MPEG audio frame header → (frame length, samples, sample rate).
fn frame(header: &[u8]) -> Option<(usize, u64, u64)> {
    if header[0] != 0xff || header[1] & 0xe0 != 0xe0 {
        return None;
    }
    let version = (header[1] >> 3) & 0b11; // 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    let layer = (header[1] >> 1) & 0b11; // 3 = Layer I, 2 = Layer II, 1 = Layer III
    let bitrate_index = usize::from(header[2] >> 4);
    let rate_index = usize::from((header[2] >> 2) & 0b11);
    let padding = usize::from((header[2] >> 1) & 1);
    if version == 1 || layer == 0 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3 {
        return None;
    }
    let mpeg1 = version == 3;
    let kbps: u64 = match (mpeg1, layer) {
        (true, 3) => [
            0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448,
        ],
        (true, 2) => [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384,
        ],
        (true, _) => [
            0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
        ],
        (false, 3) => [
            0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256,
        ],
        (false, _) => [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
    }[bitrate_index];
    let base: u64 = [44_100, 48_000, 32_000][rate_index];
    let rate = match version {
        3 => base,
        2 => base / 2,
        _ => base / 4,
    };
    let bits = kbps * 1000;
    let (len, samples) = match layer {
        3 => ((12 * bits / rate) as usize * 4 + padding * 4, 384),
        2 => ((144 * bits / rate) as usize + padding, 1152),
        _ if mpeg1 => ((144 * bits / rate) as usize + padding, 1152),
        _ => ((72 * bits / rate) as usize + padding, 576),
    };
    Some((len.max(4), samples, rate))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// `frames` AMR 12.2 kbit/s frames (32 bytes each).
    pub(crate) fn amr(frames: usize) -> Vec<u8> {
        let mut bytes = b"#!AMR\n".to_vec();
        for _ in 0..frames {
            bytes.push(0x3c);
            bytes.extend([0u8; 31]);
        }
        bytes
    }

    /// `frames` MPEG-1 Layer III frames, 128 kbit/s, 44.1 kHz (417 bytes, 1152 samples each).
    pub(crate) fn mp3(frames: usize) -> Vec<u8> {
        mp3_frames(frames, 0x90, 417)
    }

    /// `frames` MPEG-1 Layer III frames, 32 kbit/s, 44.1 kHz (104 bytes, 1152 samples each):
    /// over a minute of them fits under the voice size limit.
    pub(crate) fn mp3_32kbps(frames: usize) -> Vec<u8> {
        mp3_frames(frames, 0x10, 104)
    }

    /// An ID3 tag, then `frames` frames of `len` bytes whose header's third byte is `rate`
    /// (bitrate index, 44.1 kHz, no padding).
    fn mp3_frames(frames: usize, rate: u8, len: usize) -> Vec<u8> {
        let mut bytes = b"ID3\x04\x00\x00\x00\x00\x00\x05hello".to_vec();
        for _ in 0..frames {
            let mut frame = vec![0xff, 0xfb, rate, 0x00];
            frame.resize(len, 0);
            bytes.extend(frame);
        }
        bytes
    }

    #[test]
    fn amr_counts_20ms_frames() {
        assert_eq!(amr_millis(&amr(50)), Some(1000));
        assert_eq!(amr_millis(&amr(0)), None);
        let mut truncated = amr(3);
        truncated.truncate(truncated.len() - 1);
        assert_eq!(
            amr_millis(&truncated),
            Some(40),
            "a partial last frame is not counted"
        );
    }

    #[test]
    fn mp3_counts_frames_after_the_id3_tag() {
        // 1152 / 44100 s = 26.122 ms per frame.
        assert_eq!(mp3_millis(&mp3(100)), Some(2612));
        assert_eq!(mp3_millis(&mp3(0)), None);
        assert_eq!(
            mp3_millis(b"\xff\xff\xff\xff"),
            None,
            "bad bitrate index is not a frame"
        );
    }

    #[test]
    fn mp3_frame_lengths_follow_the_bitrate() {
        // The same 100 frames at a quarter of the bitrate: a quarter of the bytes, and only a
        // frame length read from the header lands on every next frame.
        assert_eq!(mp3_millis(&mp3_32kbps(100)), Some(2612));
        assert_eq!(mp3_32kbps(100).len() - 15, 100 * 104);
        // 2297 frames × 1152 samples / 44.1 kHz = 60.002 s.
        assert_eq!(mp3_millis(&mp3_32kbps(2297)), Some(60_002));
    }
}
