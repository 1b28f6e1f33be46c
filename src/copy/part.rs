//! The per-part record of a copy and the multipart ETag computed from it.
//!
//! COS answers an UploadPartCopy with the part's ETag, the quoted MD5 of
//! the part's bytes in lowercase hex (`"ba82b57cfdfda8bd17ad4e5879ebb4fe"`).
//! A [`PartSlot`] keeps the 16 raw bytes of that digest, not its 34
//! characters of text: half the size, and the very bytes the multipart
//! ETag is computed from (`md5(md5(part 1) ‖ … ‖ md5(part n))-n`), so
//! nothing is decoded again at the end. The text is made again on demand
//! ([`PartETag`]), with the case COS sent. An ETag of any other shape does
//! not fit and is refused (the copy fails with a typed error); it is never
//! cut.

use super::md5::Md5;
use core::fmt;

/// The part has not been sent, or is to be sent again.
const TODO: u8 = 0;
/// The part's request is out.
const SENT: u8 = 1;
/// The part is copied; `md5` holds its ETag.
const DONE: u8 = 2;
/// The state bits of `flags`.
const STATE: u8 = 0b11;
/// The ETag's hex digits were uppercase.
const UPPER: u8 = 0x80;

/// What the copy machine keeps of one part: its ETag as 16 raw bytes, its
/// state and how many of its attempts failed. 18 bytes, no padding.
///
/// The caller provides one per part of the plan
/// (`[PartSlot::EMPTY; N]`, or a slice of `plan.part_count()` of them);
/// the machine resets them when it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PartSlot {
    md5: [u8; 16],
    flags: u8,
    attempts: u8,
}

impl PartSlot {
    /// A part not copied yet.
    pub const EMPTY: Self = Self {
        md5: [0; 16],
        flags: TODO,
        attempts: 0,
    };

    /// The size of one record, in bytes.
    pub const SIZE: usize = core::mem::size_of::<Self>();

    /// Whether the part is copied.
    #[must_use]
    pub const fn is_done(&self) -> bool {
        self.flags & STATE == DONE
    }

    /// The part's ETag as COS sent it (quotes included), once copied.
    #[must_use]
    pub fn etag(&self) -> Option<PartETag> {
        self.is_done()
            .then(|| PartETag::new(&self.md5, self.flags & UPPER != 0))
    }

    /// How many attempts of this part failed.
    #[must_use]
    pub const fn failed_attempts(&self) -> u8 {
        self.attempts
    }

    pub(crate) const fn is_todo(&self) -> bool {
        self.flags & STATE == TODO
    }

    pub(crate) const fn is_sent(&self) -> bool {
        self.flags & STATE == SENT
    }

    pub(crate) fn set_sent(&mut self) {
        self.flags = (self.flags & !STATE) | SENT;
    }

    /// Back to be sent again, after `failed` failed attempts.
    pub(crate) fn set_todo(&mut self, failed: u8) {
        self.flags &= !STATE;
        self.attempts = failed;
    }

    /// Copied with the ETag `etag`; `false` (and unchanged) if the ETag
    /// is not a quoted 32-digit hex MD5.
    pub(crate) fn set_done(&mut self, etag: &str) -> bool {
        let Some((md5, upper)) = parse_md5_etag(etag) else {
            return false;
        };
        self.md5 = md5;
        self.flags = DONE | if upper { UPPER } else { 0 };
        true
    }
}

/// Reads `"` + 32 hex digits + `"` (all lowercase, or all uppercase) into
/// the digest's bytes and whether it was uppercase.
fn parse_md5_etag(etag: &str) -> Option<([u8; 16], bool)> {
    let [b'"', hex @ .., b'"'] = etag.as_bytes() else {
        return None;
    };
    if hex.len() != 32 {
        return None;
    }
    let upper = hex.iter().any(u8::is_ascii_uppercase);
    if upper && hex.iter().any(u8::is_ascii_lowercase) {
        return None;
    }
    let mut md5 = [0u8; 16];
    for (byte, pair) in md5.iter_mut().zip(hex.chunks_exact(2)) {
        let [hi, lo] = *pair else { return None };
        let hi = crate::encode::hex_val(hi)?;
        let lo = crate::encode::hex_val(lo)?;
        *byte = (hi << 4) | lo;
    }
    Some((md5, upper))
}

/// Writes `bytes` as hex digits into `out` (two per byte).
fn put_hex(out: &mut [u8], bytes: &[u8], upper: bool) {
    let digits: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        if let [hi, lo] = pair {
            *hi = digits[usize::from(b >> 4)];
            *lo = digits[usize::from(b & 0xf)];
        }
    }
}

/// The (part number, ETag) of every copied part, in order: what
/// CompleteMultipartUpload lists.
#[derive(Clone)]
pub(crate) struct PartETags<'s> {
    slots: &'s [PartSlot],
    /// The number of the part `slots[0]` is.
    number: u16,
}

impl<'s> PartETags<'s> {
    pub(crate) const fn new(slots: &'s [PartSlot]) -> Self {
        Self { slots, number: 1 }
    }
}

impl Iterator for PartETags<'_> {
    type Item = (u16, PartETag);

    fn next(&mut self) -> Option<Self::Item> {
        while let Some((slot, rest)) = self.slots.split_first() {
            let number = self.number;
            self.slots = rest;
            // At most 10000 slots: no wrap.
            self.number = number.wrapping_add(1);
            if let Some(etag) = slot.etag() {
                return Some((number, etag));
            }
        }
        None
    }
}

/// A part's ETag as text, made from its [`PartSlot`]: `"` + 32 hex digits
/// + `"`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PartETag {
    text: [u8; 34],
}

impl PartETag {
    fn new(md5: &[u8; 16], upper: bool) -> Self {
        // Zeros, then the quotes: a `memclr` the rest of the code uses,
        // where `[b'"'; 34]` is a `memset` of its own (184 bytes of
        // Cortex-M flash).
        let mut text = [0u8; 34];
        let [open, hex @ .., close] = &mut text;
        (*open, *close) = (b'"', b'"');
        put_hex(hex, md5, upper);
        Self { text }
    }

    /// The ETag, quotes included.
    #[must_use]
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.text).unwrap_or_default()
    }
}

impl AsRef<str> for PartETag {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for PartETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for PartETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for PartETag {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.as_str())
    }
}

/// The ETag COS gives the object a multipart upload makes:
/// `"` + hex(md5(md5(part 1) ‖ … ‖ md5(part n))) + `-` + n + `"`, the MD5
/// of the parts' raw digests in part order. At most 40 characters.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MultipartETag {
    text: [u8; 40],
    len: u8,
}

impl MultipartETag {
    /// The ETag of the upload of `slots`, all copied; `None` if one is
    /// not, or there are none or more than 10000.
    #[must_use]
    pub fn of(slots: &[PartSlot]) -> Option<Self> {
        let count = u16::try_from(slots.len())
            .ok()
            .filter(|&n| (1..=crate::plan::MAX_PARTS).contains(&n))?;
        let mut md5 = Md5::new();
        let mut upper = false;
        for slot in slots {
            if !slot.is_done() {
                return None;
            }
            upper |= slot.flags & UPPER != 0;
            md5.update(&slot.md5);
        }
        let digest = md5.finalize();
        // `"` + 32 hex digits + `-` + 1 to 5 digits + `"` (zeros first,
        // as in `PartETag::new`).
        let mut text = [0u8; 40];
        if let [open, hex @ .., dash] = text.get_mut(..34)? {
            (*open, *dash) = (b'"', b'-');
            put_hex(hex, &digest, upper);
        }
        let mut digits = [0u8; 20];
        let n = crate::sink::fmt_u64(u64::from(count), &mut digits);
        let (close, number) = text
            .get_mut(34..35usize.saturating_add(n.len()))?
            .split_last_mut()?;
        *close = b'"';
        crate::bytes::copy(number, n);
        let len = n.len().saturating_add(35);
        Some(Self {
            text,
            len: u8::try_from(len).ok()?,
        })
    }

    /// The ETag, quotes included.
    #[must_use]
    pub fn as_str(&self) -> &str {
        let text = self.text.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(text).unwrap_or_default()
    }

    /// Whether `etag` (as a HEAD or Complete answer gives it) is this one;
    /// hex digits compare in either case.
    #[must_use]
    pub fn matches(&self, etag: &str) -> bool {
        crate::bytes::trim_ows_str(etag).eq_ignore_ascii_case(self.as_str())
    }
}

impl fmt::Debug for MultipartETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for MultipartETag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for MultipartETag {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::Digest;

    fn md5_hex(data: &[u8]) -> String {
        hex::encode(md5::Md5::digest(data))
    }

    #[test]
    fn a_slot_is_18_bytes() {
        assert_eq!(PartSlot::SIZE, 18);
        assert_eq!(core::mem::align_of::<PartSlot>(), 1);
    }

    #[test]
    fn part_etags_round_trip_in_their_case() {
        let lower = format!("\"{}\"", md5_hex(b"part one"));
        let upper = lower.to_ascii_uppercase();
        for etag in [&lower, &upper] {
            let mut slot = PartSlot::EMPTY;
            assert_eq!(slot.etag(), None);
            assert!(slot.set_done(etag));
            assert_eq!(slot.etag().unwrap().as_str(), etag.as_str());
        }
    }

    #[test]
    fn other_etags_do_not_fit() {
        let good = md5_hex(b"x");
        let mixed = format!("{}{}", &good[..16], good[16..].to_ascii_uppercase());
        let cases = [
            good.clone(),                     // unquoted
            format!("\"{}\"", &good[..31]),   // short
            format!("\"{good}0\""),           // long
            format!("\"{}-2\"", &good[..30]), // a multipart ETag
            format!("\"{}g\"", &good[..31]),  // not hex
            format!("W/\"{good}\""),          // weak
            String::new(),
            "\"\"".into(),
        ];
        for bad in cases.iter().chain([&mixed]) {
            let mut slot = PartSlot::EMPTY;
            assert!(!slot.set_done(bad), "{bad}");
            assert_eq!(slot, PartSlot::EMPTY, "{bad}");
        }
    }

    #[test]
    fn the_multipart_etag_is_computed_as_cos_does() {
        // An independent computation: MD5 of the concatenated raw MD5s.
        let parts: Vec<Vec<u8>> = (0..3u8).map(|i| vec![i; 1000 + usize::from(i)]).collect();
        let mut slots = [PartSlot::EMPTY; 3];
        let mut raw = Vec::new();
        for (slot, data) in slots.iter_mut().zip(&parts) {
            assert!(slot.set_done(&format!("\"{}\"", md5_hex(data))));
            raw.extend_from_slice(&md5::Md5::digest(data));
        }
        let want = format!("\"{}-3\"", md5_hex(&raw));
        let got = MultipartETag::of(&slots).unwrap();
        assert_eq!(got.as_str(), want);
        assert!(got.matches(&want));
        assert!(got.matches(&want.to_ascii_uppercase()));
        assert!(!got.matches(&want.replace("-3", "-4")));
        assert!(!got.matches(&format!("\"{}\"", md5_hex(&raw))));
        // Not all copied: no ETag.
        slots[1] = PartSlot::EMPTY;
        assert_eq!(MultipartETag::of(&slots), None);
        assert_eq!(MultipartETag::of(&[]), None);
    }

    #[test]
    fn the_multipart_etag_has_room_for_10000_parts() {
        let mut slot = PartSlot::EMPTY;
        assert!(slot.set_done(&format!("\"{}\"", md5_hex(b""))));
        let slots = vec![slot; 10_000];
        let e = MultipartETag::of(&slots).unwrap();
        assert_eq!(e.as_str().len(), 40);
        assert!(e.as_str().ends_with("-10000\""));
        let mut raw = Vec::new();
        for _ in 0..10_000 {
            raw.extend_from_slice(&md5::Md5::digest(b""));
        }
        assert_eq!(e.as_str(), format!("\"{}-10000\"", md5_hex(&raw)));
        assert_eq!(MultipartETag::of(&vec![slot; 10_001]), None);
    }
}
