//! Small helpers with no panic path: splitting at an ASCII byte, copying
//! bytes, counting, ASCII sets.
//!
//! `core`'s own `str::split_once(char)`, `str::split(char)` and
//! `<[u8]>::copy_from_slice` are correct, but each keeps a panic branch in
//! an out-of-line function (the char searcher's index into its UTF-8
//! buffer, the length check of `copy_from_slice`). At `opt-level = "z"`
//! those functions are not inlined, so the branch survives in a firmware
//! image even where the caller makes it unreachable, and the firmware
//! link check (`firmware/linkcheck`) refuses it. Likewise `enumerate`,
//! `position` and `count` keep an overflow check on their counter in
//! builds with overflow checks (debug builds). These do the same work
//! without one.

/// `s` split around the first `sep` (an ASCII byte), `sep` dropped; as
/// `s.split_once(sep as char)`.
pub(crate) fn split_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.as_bytes().iter().position(|&b| b == sep)?;
    Some((s.get(..i)?, s.get(i.checked_add(1)?..)?))
}

/// `s` split around the last `sep` (an ASCII byte), `sep` dropped; as
/// `s.rsplit_once(sep as char)`.
pub(crate) fn rsplit_once(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().rposition(|b| b == sep)?;
    Some((s.get(..i)?, s.get(i.checked_add(1)?..)?))
}

/// The pieces of `s` between `sep`s (an ASCII byte), as
/// `s.split(sep as char)`: an empty `s` is one empty piece.
pub(crate) fn split(s: &str, sep: u8) -> Split<'_> {
    Split { rest: Some(s), sep }
}

/// The iterator of [`split`].
#[derive(Clone, Debug)]
pub(crate) struct Split<'a> {
    rest: Option<&'a str>,
    sep: u8,
}

impl<'a> Iterator for Split<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest?;
        match split_once(s, self.sep) {
            Some((piece, rest)) => {
                self.rest = Some(rest);
                Some(piece)
            }
            None => {
                self.rest = None;
                Some(s)
            }
        }
    }
}

/// How many bytes at the start of `bytes` are in `class`, found sixteen at
/// a time: the cursor accelerator of every grammar here (the pattern of
/// httparse's `simd` module). It advances over bytes that need no
/// decision, and the caller's one byte-at-a-time loop then decides what
/// the next byte means; it never decides anything itself.
///
/// `class` must be branch-free (`|` and `&`, not `||` and `&&`), so that a
/// block of 16 compiles to a few vector compares.
///
/// The compact build (`cos_compact`) has no accelerator: this returns 0
/// and the caller's loop takes every byte (smaller code).
#[inline(always)]
pub(crate) fn span(bytes: &[u8], class: impl Fn(u8) -> bool) -> usize {
    #[cfg(cos_compact)]
    {
        let _ = (bytes, class);
        0
    }
    #[cfg(not(cos_compact))]
    {
        // The first few one at a time: most runs in markup are short, and
        // a block costs as much as a few bytes.
        let head = bytes.get(..8).unwrap_or(bytes);
        if let Some(n) = head.iter().position(|&b| !class(b)) {
            return n;
        }
        let (mut n, mut rest) = (head.len(), bytes.get(head.len()..).unwrap_or_default());
        let Some(last) = bytes.last_chunk::<16>() else {
            // Shorter than a block: one at a time.
            return n.wrapping_add(rest.iter().position(|&b| !class(b)).unwrap_or(rest.len()));
        };
        while let Some((block, tail)) = rest.split_first_chunk::<16>() {
            let k = in_class(block, &class);
            n = n.wrapping_add(k);
            if k < 16 {
                return n;
            }
            rest = tail;
        }
        if rest.is_empty() {
            return n;
        }
        // The last 16 bytes, overlapping what is known to be in the class:
        // their first byte out of it is past `n`.
        bytes
            .len()
            .wrapping_sub(16)
            .wrapping_add(in_class(last, &class))
    }
}

/// How many bytes at the start of `bytes` are in `class`, found a whole
/// block of 16 at a time (the last one overlapping the one before): a
/// cheaper form of [`span`] for a caller that only asks whether every byte
/// is in the class (a block is tested at once, no index is looked for);
/// fewer than the run when it ends inside a block, and 0 in the compact
/// build. Input shorter than a block is tested as one, padded.
#[inline(always)]
pub(crate) fn blocks_in(bytes: &[u8], class: impl Fn(u8) -> bool) -> usize {
    #[cfg(cos_compact)]
    {
        let _ = (bytes, class);
        0
    }
    #[cfg(not(cos_compact))]
    {
        let all = |block: &[u8; 16]| block.iter().fold(true, |all, &b| all & class(b));
        let mut n = 0usize;
        let mut rest = bytes;
        while let Some((block, tail)) = rest.split_first_chunk::<16>() {
            if !all(block) {
                return n;
            }
            n = n.wrapping_add(16);
            rest = tail;
        }
        // The last 16 bytes, overlapping what is known to be in the class.
        match bytes.last_chunk::<16>() {
            Some(last) if !rest.is_empty() && all(last) => bytes.len(),
            Some(_) => n,
            // Shorter than a block: one block of its bytes, padded with
            // copies of its first (in the class or not, the padding then
            // answers as that byte does).
            None => {
                let Some(&first) = bytes.first() else {
                    return 0;
                };
                let mut block = [first; 16];
                copy(&mut block, bytes);
                if all(&block) { bytes.len() } else { 0 }
            }
        }
    }
}

/// How many bytes at the start of `block` are in `class` (16 if all): one
/// step of [`span`], for an accelerator that also moves the block. Out of
/// line: inlined into a larger loop, the compiler splits the vector
/// compare up again.
#[cfg(not(cos_compact))]
#[inline(never)]
pub(crate) fn in_class(block: &[u8; 16], class: &impl Fn(u8) -> bool) -> usize {
    let mut flags = [0u8; 16];
    for (f, &b) in flags.iter_mut().zip(block) {
        *f = if class(b) { 0 } else { 0xFF };
    }
    (u128::from_le_bytes(flags).trailing_zeros() / 8) as usize
}

/// A set of ASCII bytes. In the compact build a 128-bit mask (16 bytes of
/// flash where a table takes 256); elsewhere a 256-entry table, one load
/// per test. Bytes above 0x7F are never in it.
#[derive(Clone, Copy)]
pub(crate) struct AsciiSet(
    #[cfg(cos_compact)] [u32; 4],
    #[cfg(not(cos_compact))] [bool; 256],
);

impl AsciiSet {
    /// The ASCII bytes marked in `table` (a compile-time table).
    pub(crate) const fn from_table(table: &[bool; 256]) -> Self {
        #[cfg(cos_compact)]
        let mut set = [0u32; 4];
        #[cfg(not(cos_compact))]
        let mut set = [false; 256];
        let mut b = 0usize;
        while b < 128 {
            if table[b] {
                #[cfg(cos_compact)]
                {
                    set[b >> 5] |= 1 << (b & 31);
                }
                #[cfg(not(cos_compact))]
                {
                    set[b] = true;
                }
            }
            b += 1;
        }
        Self(set)
    }

    /// Whether `b` is in the set.
    #[inline]
    pub(crate) fn contains(&self, b: u8) -> bool {
        #[cfg(cos_compact)]
        return match self.0.get(usize::from(b >> 5)) {
            Some(word) => word >> (b & 31) & 1 != 0,
            None => false,
        };
        #[cfg(not(cos_compact))]
        self.0.get(usize::from(b)).copied().unwrap_or(false)
    }
}

/// `iter.enumerate()`, without an overflow check on the index (a count of
/// items held in memory cannot overflow).
pub(crate) fn numbered<I: Iterator>(iter: I) -> Numbered<I> {
    Numbered { iter, next: 0 }
}

/// The iterator of [`numbered`].
pub(crate) struct Numbered<I> {
    iter: I,
    next: usize,
}

impl<I: Iterator> Iterator for Numbered<I> {
    type Item = (usize, I::Item);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let item = self.iter.next()?;
        let n = self.next;
        self.next = n.wrapping_add(1);
        Some((n, item))
    }
}

/// `iter.count()`, without an overflow check (the count of a slice's or a
/// string's items cannot overflow).
pub(crate) fn count<I: Iterator>(iter: I) -> usize {
    iter.fold(0, |n: usize, _| n.wrapping_add(1))
}

/// Where `v` is without the spaces and tabs around it (the optional
/// whitespace around a header value), as `start..end`: the one trim of
/// [`trim_ows`] and [`trim_ows_str`].
fn ows_trimmed(v: &[u8]) -> (usize, usize) {
    let mut b = v;
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    let start = v.len().wrapping_sub(b.len());
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    (start, start.wrapping_add(b.len()))
}

/// `v` without the spaces and tabs around it.
pub(crate) fn trim_ows(v: &[u8]) -> &[u8] {
    let (start, end) = ows_trimmed(v);
    v.get(start..end).unwrap_or_default()
}

/// `s.trim_matches([' ', '\t'])`, on bytes: a `char` pattern brings its
/// own searcher, about 160 bytes of Cortex-M code.
pub(crate) fn trim_ows_str(s: &str) -> &str {
    let (start, end) = ows_trimmed(s.as_bytes());
    s.get(start..end).unwrap_or_default()
}

/// Appends `s` to `dst` whole, or nothing and `Err` if it does not fit:
/// `dst.push_str(s)`, with length arithmetic the optimiser can bound.
///
/// `heapless`'s `push_str` adds one to the length per byte copied, and in
/// a build with overflow checks (compiled into this crate) that addition
/// keeps its check: the length is stored beside the bytes, so it is read
/// again after each one. Here the bytes go in by one `insert_str` at the
/// end (one copy, one length update), after a room check that bounds its
/// sum: a capacity is an array's length, at most `isize::MAX`, said
/// explicitly so that the optimiser knows a length plus what fits cannot
/// wrap.
pub(crate) fn push_str(dst: &mut heapless::string::StringView, s: &str) -> Result<(), ()> {
    let capacity = dst.capacity().min(isize::MAX as usize);
    let room = capacity.checked_sub(dst.len()).ok_or(())?;
    if s.len() > room {
        return Err(());
    }
    dst.insert_str(dst.len(), s).map_err(|_| ())
}

/// Copies `src` to the start of `dst`, as many bytes as both have.
#[inline]
pub(crate) fn copy(dst: &mut [u8], src: &[u8]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_ows_as_core_does() {
        for v in [
            "",
            " ",
            "\t \t",
            "a",
            " a ",
            "\ta b\t",
            "  é\t",
            "é ",
            " \u{a0}x\u{a0} ",
        ] {
            assert_eq!(trim_ows_str(v), v.trim_matches([' ', '\t']), "{v:?}");
            assert_eq!(trim_ows(v.as_bytes()), trim_ows_str(v).as_bytes());
        }
    }

    #[test]
    fn splits_as_core_does() {
        for s in ["", "a", ";", "a;", ";a", "a;b;c", "a;;b", "é;ü;", ";;"] {
            assert_eq!(
                split(s, b';').collect::<Vec<_>>(),
                s.split(';').collect::<Vec<_>>()
            );
            assert_eq!(split_once(s, b';'), s.split_once(';'), "{s:?}");
            assert_eq!(rsplit_once(s, b';'), s.rsplit_once(';'), "{s:?}");
        }
    }

    #[test]
    fn ascii_set_is_its_predicate() {
        let mut table = [false; 256];
        for b in 0..=255u8 {
            table[usize::from(b)] = b.is_ascii_alphanumeric() || b == b'~' || b >= 0xF0;
        }
        // Bytes above 0x7F are never in a set, whatever the table says.
        let set = AsciiSet::from_table(&table);
        for b in 0..=255u8 {
            assert_eq!(
                set.contains(b),
                b.is_ascii_alphanumeric() || b == b'~',
                "{b}"
            );
        }
    }

    /// `span` is the length of the leading run of the class (or 0, in the
    /// compact build, which has no accelerator), whatever the length and
    /// wherever the run ends.
    #[test]
    fn span_is_the_leading_run() {
        let class = |b: u8| b.is_ascii_lowercase();
        for len in 0..50 {
            for stop in 0..=len {
                let mut v = vec![b'a'; len];
                if stop < len {
                    v[stop] = b'-';
                }
                let got = span(&v, class);
                if cfg!(cos_compact) {
                    assert_eq!(got, 0);
                } else {
                    assert_eq!(got, stop, "{len} {stop}");
                }
            }
        }
    }

    /// `blocks_in` never counts past the run, and counts a whole input in
    /// the class (on hosts), short ones included.
    #[test]
    fn blocks_in_is_within_the_run() {
        let class = |b: u8| b.is_ascii_lowercase();
        for len in 0..50 {
            for stop in 0..=len {
                let mut v = vec![b'a'; len];
                if stop < len {
                    v[stop] = b'-';
                }
                let got = blocks_in(&v, class);
                assert!(got <= stop, "{len} {stop}");
                if cfg!(cos_compact) {
                    assert_eq!(got, 0);
                } else if stop == len {
                    assert_eq!(got, len, "{len}");
                }
            }
        }
    }

    #[test]
    fn numbered_and_count_are_enumerate_and_count() {
        let s = "a;b;;c";
        assert_eq!(
            numbered(s.bytes()).collect::<Vec<_>>(),
            s.bytes().enumerate().collect::<Vec<_>>()
        );
        assert_eq!(count(s.bytes().filter(|&b| b == b';')), 3);
        assert_eq!(count("".bytes()), 0);
    }

    #[test]
    fn copies_the_common_length() {
        let mut dst = [0u8; 4];
        copy(&mut dst, b"ab");
        assert_eq!(dst, *b"ab\0\0");
        copy(&mut dst, b"wxyz!");
        assert_eq!(dst, *b"wxyz");
    }
}
