//! A whole, complete document read at once (hosts only).
//!
//! [`Tokenizer::feed`](super::Tokenizer::feed) cannot know that a chunk is
//! the whole document, so it keeps its state between bytes as if more could
//! come. [`document`] is given everything: it validates the document as
//! UTF-8 once, matches an end tag against the bytes of its start tag
//! (rather than a hash), and reads the common shape of a COS answer a token
//! at a time: an optional BOM and `<?xml ...?>` declaration, elements
//! without attributes, text with the five named entities, whitespace after
//! the root.
//!
//! Anything else (a comment, an attribute, a CR in text, a character
//! reference, an error of any kind, a callback's error) makes it give up
//! with `None`, and the caller reads the document again with the tokenizer.
//! So it never decides an error itself: when it succeeds, the tokenizer
//! would have succeeded too, with the same events (text pieces may be cut
//! differently); the tests check this on every sample and generated
//! document.

use super::fast::ascii::{self, NAME, NAME_START, TEXT};
use super::{Event, MAX_DEPTH, MAX_NAME, Name};

/// Reads `doc`, a complete document, reporting its events to `on`; `None`
/// if the document is not of the shape this path reads, is malformed or
/// incomplete, or `on` failed (the events reported so far are then to be
/// discarded).
pub(crate) fn document<'d, E, F>(doc: &'d [u8], on: &mut F) -> Option<()>
where
    F: FnMut(Event<'d>) -> Result<(), E>,
{
    let mut r = Reader::new(doc)?;
    r.prolog()?;
    r.root(on)?;
    r.end()
}

/// Whether `bytes` starts with `prefix`, compared in place: the prefixes
/// here are short names, for which a call to the C library's compare
/// costs more than the comparing. Words of eight (or four) bytes, the last
/// one overlapping the one before.
#[inline(always)]
fn starts_with(bytes: &[u8], prefix: &[u8]) -> bool {
    fn same<const K: usize>(a: &[u8], b: &[u8]) -> bool {
        a.first_chunk::<K>() == b.first_chunk::<K>() && a.last_chunk::<K>() == b.last_chunk::<K>()
    }
    let Some(mut head) = bytes.get(..prefix.len()) else {
        return false;
    };
    let mut prefix = prefix;
    if prefix.len() < 4 {
        return head.iter().zip(prefix).all(|(a, b)| a == b);
    }
    if prefix.len() < 8 {
        return same::<4>(head, prefix);
    }
    while prefix.len() > 16 {
        if head.first_chunk::<8>() != prefix.first_chunk::<8>() {
            return false;
        }
        head = head.get(8..).unwrap_or_default();
        prefix = prefix.get(8..).unwrap_or_default();
    }
    same::<8>(head, prefix)
}

/// The document and where the reading is in it.
pub(crate) struct Reader<'d> {
    doc: &'d str,
    i: usize,
}

impl<'d> Reader<'d> {
    /// At the start of `doc`, if it is UTF-8.
    pub(crate) fn new(doc: &'d [u8]) -> Option<Self> {
        Some(Self {
            doc: core::str::from_utf8(doc).ok()?,
            i: 0,
        })
    }

    /// Whitespace, then the end of the document.
    pub(crate) fn end(&mut self) -> Option<()> {
        self.skip_ws();
        (self.i == self.doc.len()).then_some(())
    }

    /// Takes `name` and the `>` after it, if they are next.
    pub(crate) fn eat_tag(&mut self, name: &str) -> bool {
        let rest = self.rest();
        // The first byte tells most names apart.
        let found = rest.first() == name.as_bytes().first()
            && rest.get(name.len()) == Some(&b'>')
            && starts_with(rest, name.as_bytes());
        if found {
            self.skip(name.len().saturating_add(1));
        }
        found
    }

    /// The characters of text from here up to the next `<` (see
    /// [`text_run`](Self::text_run)): none of it an entity.
    pub(crate) fn plain_text(&mut self) -> Option<&'d str> {
        let from = self.i;
        self.text_run()?;
        if self.peek()? != b'<' {
            return None;
        }
        self.text(from, self.i)
    }

    fn rest(&self) -> &'d [u8] {
        self.doc.as_bytes().get(self.i..).unwrap_or_default()
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.doc.as_bytes().get(self.i).copied()
    }

    /// Passes `n` bytes.
    fn skip(&mut self, n: usize) {
        self.i = self.i.saturating_add(n);
    }

    /// Takes `byte` if it is next.
    #[inline(always)]
    pub(crate) fn eat_byte(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.skip(1);
        }
        found
    }

    /// Takes `prefix` if the rest starts with it.
    pub(crate) fn eat(&mut self, prefix: &[u8]) -> bool {
        let found = starts_with(self.rest(), prefix);
        if found {
            self.skip(prefix.len());
        }
        found
    }

    /// Whitespace (CR included: outside the root it is only whitespace).
    pub(crate) fn skip_ws(&mut self) {
        // A byte at a time: the runs are short (a line end, an indent),
        // and a long run of keep-alive spaces is rare.
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.skip(1);
        }
    }

    /// `doc[from..to]` as text.
    fn text(&self, from: usize, to: usize) -> Option<&'d str> {
        self.doc.get(from..to)
    }

    /// A BOM, whitespace and a `<?xml ...?>` declaration of ASCII
    /// characters, each optional, and whitespace after it.
    pub(crate) fn prolog(&mut self) -> Option<()> {
        self.eat("\u{FEFF}".as_bytes());
        self.skip_ws();
        if self.eat(b"<?xml") {
            // The target is `xml` itself, not a longer name.
            if !matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r' | b'?')) {
                return None;
            }
            // Any ASCII character XML allows up to the first `?>`.
            let body = ascii::span(self.rest(), ascii::PLAIN, b'?');
            self.skip(body);
            while !self.eat(b"?>") {
                let next = self.peek()?;
                if next != b'?' && next != b'\r' && !ascii::is(next, ascii::PLAIN) {
                    return None;
                }
                self.skip(1);
            }
            self.skip_ws();
        }
        Some(())
    }

    /// An ASCII name from here, if there is one, as text.
    fn name(&mut self) -> Option<Name<'d>> {
        if !ascii::is(self.peek()?, NAME_START) {
            return None;
        }
        let from = self.i;
        let len = ascii::span(self.rest(), NAME, 0);
        self.skip(len);
        // Longer names are the tokenizer's (it shows them without text).
        if len > MAX_NAME {
            return None;
        }
        Some(Name {
            text: Some(self.text(from, self.i)?),
            len,
        })
    }

    /// The root element, from its `<` to the `>` that closes it.
    fn root<E, F>(&mut self, on: &mut F) -> Option<()>
    where
        F: FnMut(Event<'d>) -> Result<(), E>,
    {
        // The open elements' names.
        let mut open: [&'d str; MAX_DEPTH] = [""; MAX_DEPTH];
        let mut depth = 0usize;
        loop {
            if depth > 0 {
                self.content(on)?;
            }
            if !self.eat_byte(b'<') {
                return None;
            }
            if self.eat_byte(b'/') {
                let name = self.name()?;
                let top = depth.checked_sub(1)?;
                if !self.eat_byte(b'>') || open.get(top).copied() != name.text {
                    return None;
                }
                on(Event::End(name)).ok()?;
                depth = top;
            } else {
                let name = self.name()?;
                *open.get_mut(depth)? = name.text?;
                if self.eat_byte(b'>') {
                    on(Event::Start(name)).ok()?;
                    depth = depth.saturating_add(1);
                } else if self.eat(b"/>") {
                    on(Event::Start(name)).ok()?;
                    on(Event::End(name)).ok()?;
                } else {
                    return None;
                }
            }
            if depth == 0 {
                return Some(());
            }
        }
    }

    /// Character data up to the next `<`, reported as one piece per run
    /// between entities.
    fn content<E, F>(&mut self, on: &mut F) -> Option<()>
    where
        F: FnMut(Event<'d>) -> Result<(), E>,
    {
        loop {
            let from = self.i;
            self.text_run()?;
            if self.i > from {
                on(Event::Text(self.text(from, self.i)?)).ok()?;
            }
            if self.peek()? != b'&' {
                return Some(());
            }
            on(Event::Text(self.entity()?)).ok()?;
        }
    }

    /// Passes characters that stand for themselves: ASCII text, and
    /// non-ASCII characters (valid UTF-8 already) but U+FFFE and U+FFFF,
    /// which XML does not allow. Stops at `<` or `&`; gives up at anything
    /// else (CR, a control character, the end of the document).
    fn text_run(&mut self) -> Option<()> {
        loop {
            let n = ascii::span(self.rest(), TEXT, 0);
            self.skip(n);
            match self.peek()? {
                b'<' | b'&' => return Some(()),
                b if b.is_ascii() => return None,
                _ => {
                    let c = self.doc.get(self.i..)?.chars().next()?;
                    if matches!(c, '\u{FFFE}' | '\u{FFFF}') {
                        return None;
                    }
                    self.skip(c.len_utf8());
                }
            }
        }
    }

    /// `&name;` at the cursor, one of the five XML predefines, decoded.
    fn entity(&mut self) -> Option<&'static str> {
        let (name, text) = [
            (&b"&quot;"[..], "\""),
            (b"&amp;", "&"),
            (b"&lt;", "<"),
            (b"&gt;", ">"),
            (b"&apos;", "'"),
        ]
        .into_iter()
        .find(|(name, _)| self.rest().starts_with(name))?;
        self.skip(name.len());
        Some(text)
    }
}

#[cfg(test)]
mod tests {
    use super::starts_with;

    /// The in-place compare agrees with the slice's own, for every length
    /// of prefix up to 40 and a difference at each place of it, with the
    /// body as long as the prefix, longer, and shorter.
    #[test]
    fn starts_with_agrees_with_the_slice_compare() {
        let body: [u8; 48] = core::array::from_fn(|i| b'A' + (i % 26) as u8);
        let mut checked = 0;
        for len in 0..=40 {
            let prefix = &body[..len];
            for end in [len.saturating_sub(1), len, len + 1, 48] {
                let hay = &body[..end];
                assert_eq!(
                    starts_with(hay, prefix),
                    hay.starts_with(prefix),
                    "{len} {end}"
                );
                for at in 0..len {
                    let mut other = [0u8; 40];
                    other[..len].copy_from_slice(prefix);
                    other[at] ^= 0x20;
                    assert!(!starts_with(hay, &other[..len]), "{len} {end} {at}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 4 * (0..=40).sum::<usize>());
    }
}
