//! Turns the fuzzer's bytes into structured inputs.
//!
//! Written by hand instead of with `arbitrary` so that the library's
//! `tests/fuzz_regressions.rs` can include these files and replay a saved
//! input without any extra dependency. The decoding is total: every byte
//! string is a valid input, and running out of bytes reads zeros.

/// Characters that matter to the code under test: the encoder's reserved
/// and unreserved bytes, separators of the formats, line ends, NUL, and
/// multi-byte UTF-8 (including U+FFFF, which XML refuses).
const ALPHABET: [char; 48] = [
    'a', 'b', 'z', 'A', 'F', 'Z', '0', '1', '9', '-', '_', '.', '~', '%', '/', '&', '=', ';', ' ',
    '+', '*', '?', '#', ':', ',', '"', '\'', '<', '>', '[', ']', '{', '\t', '\r', '\n', '\0',
    '\u{7f}', '\u{85}', 'é', 'ß', '腾', '讯', '😀', '\u{FFFF}', '\u{FFFE}', '\u{200B}', '\\', '@',
];

/// A cursor over the fuzzer's bytes.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Starts reading `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next byte, or 0 once the input has run out.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// A coin.
    pub fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// A number in `0..n` (`n` at least 1), from one byte or two.
    pub fn below(&mut self, n: usize) -> usize {
        let n = n.max(1);
        if n <= 256 {
            usize::from(self.byte()) % n
        } else {
            usize::from(self.u16()) % n
        }
    }

    /// A little-endian `u16`.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// A little-endian `u32`.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    /// A little-endian `u64`.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for x in &mut b {
            *x = self.byte();
        }
        u64::from_le_bytes(b)
    }

    /// A `u64` that is often small, often at an edge, sometimes anything.
    pub fn number(&mut self) -> u64 {
        const EDGES: [u64; 12] = [
            0,
            1,
            9,
            10,
            u32::MAX as u64,
            1 << 32,
            253_402_300_799, // 9999-12-31T23:59:59Z
            253_402_300_800,
            3_155_760_000, // 2070-01-01
            u64::MAX - 1,
            u64::MAX,
            1_700_000_000,
        ];
        match self.byte() % 5 {
            0 => u64::from(self.byte()),
            1 => EDGES[self.below(EDGES.len())],
            2 => u64::from(self.u32()),
            3 => 1_700_000_000 + u64::from(self.u16()),
            _ => self.u64(),
        }
    }

    /// Up to `n` raw bytes.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(n.min(self.data.len()));
        self.data = rest;
        head
    }

    /// Everything not read yet.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.data)
    }

    /// A length in `0..=max`.
    fn len(&mut self, max: usize) -> usize {
        if max < 256 {
            usize::from(self.byte()) % (max + 1)
        } else {
            usize::from(self.u16()) % (max + 1)
        }
    }

    /// Text of at most `max` characters, in one of several styles: raw
    /// bytes read as (lossy) UTF-8, the alphabet above, or printable
    /// ASCII.
    pub fn text(&mut self, max: usize) -> String {
        let style = self.byte() % 4;
        let len = self.len(max);
        let raw = self.take(len);
        match style {
            0 => String::from_utf8_lossy(raw).into_owned(),
            1 | 2 => raw
                .iter()
                .map(|&b| ALPHABET[usize::from(b) % ALPHABET.len()])
                .collect(),
            _ => raw.iter().map(|&b| char::from(b % 95 + 32)).collect(),
        }
    }

    /// One of `words`, or (one time in four) free text of at most `max`
    /// characters.
    pub fn word_or_text(&mut self, words: &[&str], max: usize) -> String {
        let b = self.byte();
        if b % 4 == 3 || words.is_empty() {
            self.text(max)
        } else {
            words[usize::from(b / 4) % words.len()].to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_out_reads_zeros() {
        let mut i = Input::new(&[1, 2]);
        assert_eq!(i.u16(), 0x0201);
        assert!(i.is_empty());
        assert_eq!(i.u64(), 0);
        assert_eq!(i.text(10), "");
    }
}
