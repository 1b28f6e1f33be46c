//! The tokenizer's fast path, on hosts (not on bare metal, where the
//! general path alone keeps the image small).
//!
//! The general path ([`Tokenizer::general_byte`]) decodes every byte into a
//! character, checks it, normalises line ends and advances the state
//! machine by one step: a dispatch on the state for every byte. This path
//! takes the common case, ASCII without CR, a construct at a time: a run
//! of text or of a name is measured with a table and taken at once, and
//! a tag (`<Name>`, `</Name>`, `<Name/>`) or a declaration is read with
//! its states in the order they come, so that the state is dispatched on
//! about once per tag rather than once per byte. Anything else (a UTF-8
//! sequence, a CR, an entity, a comment, an attribute, an error) is left
//! to the general path at the byte where it starts; the fast path picks
//! up again after it.
//!
//! What it does is exactly what the general path does with the same
//! bytes: the same state, the same events in the same pieces, the same
//! error at the same offset (the tests feed documents through both,
//! whole and split, and compare).

use super::{Event, FNV_PRIME, MAX_NAME, Name, State, Stop, Tokenizer, XmlError, XmlErrorKind};

/// Classes of ASCII bytes, as comparisons (so that a block of bytes is
/// tested at once, in vector registers); a byte at or above 0x80 is in
/// none.
pub(super) mod ascii {
    /// Any character XML allows, CR excepted (the general path normalises
    /// line ends).
    pub(in crate::xml) const PLAIN: u8 = 1;
    /// Character data that stands for itself: `PLAIN` but `<` and `&`.
    pub(in crate::xml) const TEXT: u8 = 2;
    /// Whitespace but CR: space, tab, LF.
    pub(in crate::xml) const WS: u8 = 3;
    /// A name character (`is_name_char`).
    pub(in crate::xml) const NAME: u8 = 4;
    /// A character that can start a name (`is_name_start`).
    pub(in crate::xml) const NAME_START: u8 = 5;

    /// Whether `b` is in `class`.
    #[inline(always)]
    pub(in crate::xml) fn is(b: u8, class: u8) -> bool {
        is_const(b, class)
    }

    /// [`is`], for the table.
    #[inline(always)]
    const fn is_const(b: u8, class: u8) -> bool {
        // `|` and `&`, not `||` and `&&`, and a signed compare: no branch,
        // so that a block compiles to a few vector compares.
        let plain = ((b as i8) >= 0x20) | (b == b'\t') | (b == b'\n');
        let letter = ((b | 0x20).wrapping_sub(b'a') < 26) | (b == b'_') | (b == b':');
        match class {
            PLAIN => plain,
            TEXT => plain & (b != b'<') & (b != b'&'),
            WS => (b == b' ') | (b == b'\t') | (b == b'\n'),
            NAME => letter | (b.wrapping_sub(b'-') < 2) | (b.wrapping_sub(b'0') < 10),
            NAME_START => letter,
            _ => false,
        }
    }

    /// The bit of `class` in [`classes`].
    #[inline(always)]
    pub(in crate::xml) const fn bit(class: u8) -> u8 {
        1 << class
    }

    /// Every class of every byte, a bit each: one load for a byte taken
    /// alone.
    const TABLE: [u8; 256] = {
        let mut table = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            let mut class = PLAIN;
            while class <= NAME_START {
                if is_const(b as u8, class) {
                    table[b] |= bit(class);
                }
                class += 1;
            }
            b += 1;
        }
        table
    };

    /// The classes of `b`, as bits ([`bit`]).
    #[inline(always)]
    pub(in crate::xml) fn classes(b: u8) -> u8 {
        TABLE.get(usize::from(b)).copied().unwrap_or(0)
    }

    /// How many bytes at the start of `bytes` are in `class` and are not
    /// `except` (0 for none: 0 is in no class). Sixteen bytes at a time,
    /// then one at a time.
    #[inline(always)]
    pub(in crate::xml) fn span(bytes: &[u8], class: u8, except: u8) -> usize {
        let stop = |b: u8| !is(b, class) | (b == except);
        let mut n = 0usize;
        let mut rest = bytes;
        while let Some((block, tail)) = rest.split_first_chunk::<16>() {
            let mut flags = [0u8; 16];
            for (f, &b) in flags.iter_mut().zip(block) {
                *f = if stop(b) { 0xFF } else { 0 };
            }
            let word = u128::from_le_bytes(flags);
            if word != 0 {
                return n.saturating_add((word.trailing_zeros() / 8) as usize);
            }
            n = n.saturating_add(16);
            rest = tail;
        }
        n.saturating_add(rest.iter().position(|&b| stop(b)).unwrap_or(rest.len()))
    }
}

use ascii::{NAME, NAME_START, PLAIN, TEXT, WS};

/// What [`Tokenizer::quick`] made of a byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quick {
    /// Taken: nothing to report.
    Taken,
    /// A character of text (ASCII), to be reported; not taken yet.
    Text,
    /// Not one of the common cases; nothing changed.
    Other,
}

/// The commonest bytes of a state, fed alone, as a class of bytes
/// ([`Tokenizer::hot`]): a reader that keeps it between calls tests a byte
/// against it without looking at the tokenizer's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) struct Hot {
    kind: HotKind,
    /// The classes taken ([`ascii::bit`]s), none for [`HotKind::Cold`].
    class: u8,
    /// A byte of the class that is not taken (0 for none: 0 is in no
    /// class).
    except: u8,
}

/// What a byte [`Hot`] takes does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum HotKind {
    /// Nothing is taken: the state has no common case, or a UTF-8
    /// sequence or CR is pending.
    Cold,
    /// Changes nothing: whitespace between markup, an instruction's or a
    /// comment's body, an attribute.
    Skip,
    /// One more character of the name being read.
    Name,
    /// A character of text, to be reported.
    Text,
}

impl Hot {
    /// Takes no byte.
    pub(crate) const COLD: Self = Self {
        kind: HotKind::Cold,
        class: 0,
        except: 0,
    };

    /// Whether `b` is one of the bytes taken.
    #[inline(always)]
    pub(crate) fn takes(self, b: u8) -> bool {
        ascii::classes(b) & self.class != 0 && b != self.except
    }
}

/// An element a byte opened or closed ([`Tokenizer::feed_tag_byte`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    /// `<Name>` or `<Name/>` opened it.
    Start,
    /// `</Name>` or `<Name/>` closed it.
    End,
    /// Neither: the byte only ended an instruction's target.
    None,
}

/// The chunk as text from some index on, up to its end or to its first
/// byte that does not complete UTF-8: validated once per chunk (not once
/// per event), for the text and names reported from it.
pub(super) type View<'c> = Option<(usize, &'c str)>;

/// Every ASCII byte, in order.
const ASCII_BYTES: [u8; 128] = {
    let mut bytes = [0u8; 128];
    let mut b = 0;
    while b < 128 {
        bytes[b] = b as u8;
        b += 1;
    }
    bytes
};

/// Every ASCII character, in order: a one-byte text without validating
/// it again.
const ASCII: &str = match core::str::from_utf8(&ASCII_BYTES) {
    Ok(ascii) => ascii,
    Err(_) => "",
};

/// `chunk[from..to]` as text, if it is UTF-8.
fn text<'c>(view: &mut View<'c>, chunk: &'c [u8], from: usize, to: usize) -> Option<&'c str> {
    if to == from.saturating_add(1) {
        if let Some(&b) = chunk.get(from) {
            if b.is_ascii() {
                let b = usize::from(b);
                return ASCII.get(b..b.saturating_add(1));
            }
        }
    }
    if !matches!(*view, Some((start, _)) if start <= from) {
        let rest = chunk.get(from..)?;
        let valid = match core::str::from_utf8(rest) {
            Ok(valid) => valid,
            Err(e) => core::str::from_utf8(rest.get(..e.valid_up_to())?).ok()?,
        };
        *view = Some((from, valid));
    }
    let (start, valid) = (*view)?;
    valid.get(from.checked_sub(start)?..to.checked_sub(start)?)
}

/// [`flush`](super::flush) through the view.
pub(super) fn flush<'c, E, F>(
    chunk: &'c [u8],
    run: &mut Option<(usize, usize)>,
    on: &mut F,
    view: &mut View<'c>,
) -> Result<(), Stop<E>>
where
    F: FnMut(Event<'_>) -> Result<(), E>,
{
    if let Some((start, end)) = run.take() {
        let piece = match text(view, chunk, start, end) {
            Some(piece) => piece,
            None => chunk
                .get(start..end)
                .and_then(|b| core::str::from_utf8(b).ok())
                .ok_or(Stop::Xml(XmlErrorKind::InvalidUtf8))?,
        };
        on(Event::Text(piece)).map_err(Stop::Callback)?;
    }
    Ok(())
}

/// The chunk, where the fast path is in it, and where it reports.
struct Cursor<'c, 'r, F> {
    chunk: &'c [u8],
    i: usize,
    base: usize,
    run: &'r mut Option<(usize, usize)>,
    on: &'r mut F,
    view: &'r mut View<'c>,
    /// Where the name being read began, if in this chunk and since this
    /// call of the fast path.
    name_at: Option<usize>,
}

impl<'c, F> Cursor<'c, '_, F> {
    fn peek(&self) -> Option<u8> {
        self.chunk.get(self.i).copied()
    }

    fn rest(&self) -> &'c [u8] {
        self.chunk.get(self.i..).unwrap_or_default()
    }

    /// How many bytes from here are in `class`.
    #[inline]
    fn span(&self, class: u8) -> usize {
        ascii::span(self.rest(), class, 0)
    }

    /// How many bytes from here are in `class` and not `except`.
    #[inline]
    fn span_except(&self, class: u8, except: u8) -> usize {
        ascii::span(self.rest(), class, except)
    }

    fn report<E>(&mut self, event: Event<'_>) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        (self.on)(event).map_err(Stop::Callback)
    }

    fn flush<E>(&mut self) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        flush(self.chunk, self.run, self.on, self.view)
    }

    /// The name just read, as the bytes of the chunk, if it was read
    /// here whole.
    fn name(&mut self, len: u16) -> Option<Name<'c>> {
        let at = self.name_at?;
        let len = usize::from(len);
        if len > MAX_NAME {
            return None;
        }
        let text = text(self.view, self.chunk, at, at.checked_add(len)?)?;
        Some(Name {
            text: Some(text),
            len,
        })
    }
}

impl Tokenizer {
    /// Takes what it can from `i` on (the UTF-8 decoder holds nothing and
    /// no CR is pending) and returns the index of the first byte it
    /// leaves to the general path.
    #[inline]
    pub(super) fn fast_run<'c, E, F>(
        &mut self,
        chunk: &'c [u8],
        i: usize,
        base: usize,
        on: &mut F,
        run: &mut Option<(usize, usize)>,
        view: &mut View<'c>,
    ) -> Result<usize, Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let mut c = Cursor {
            chunk,
            i,
            base,
            run,
            on,
            view,
            name_at: None,
        };
        loop {
            let before = c.i;
            match self.state {
                State::Text => self.content(&mut c)?,
                State::Misc => self.misc(&mut c)?,
                State::Lt => self.lt(&mut c)?,
                State::StartName => self.start_name(&mut c)?,
                State::EndName => self.end_name(&mut c)?,
                State::SelfClose => self.self_close(&mut c)?,
                State::PiTarget => self.pi_target(&mut c)?,
                State::PiBody | State::PiQuestion => self.pi_body(&mut c)?,
                _ => self.other(&mut c)?,
            }
            if c.i == before || c.i >= chunk.len() {
                return Ok(c.i);
            }
        }
    }

    /// The current character is the one at the cursor (for the offset of
    /// an error, or of a callback's).
    fn at<F>(&mut self, c: &Cursor<'_, '_, F>) {
        self.char_pos = c.base.saturating_add(c.i);
    }

    /// Passes `n` bytes that change nothing.
    fn skip<F>(&mut self, c: &mut Cursor<'_, '_, F>, n: usize) {
        c.i = c.i.saturating_add(n);
        self.char_pos = c.base.saturating_add(c.i).saturating_sub(1);
    }

    /// Takes `n` bytes of literal text into the pending run.
    fn literal<F>(&mut self, c: &mut Cursor<'_, '_, F>, n: usize) {
        let end = c.i.saturating_add(n);
        match c.run {
            Some((_, e)) => *e = end,
            None => *c.run = Some((c.i, end)),
        }
        self.skip(c, n);
    }

    /// Takes `n` bytes of ASCII name characters into the name.
    fn name_bytes<F>(&mut self, c: &mut Cursor<'_, '_, F>, n: usize) {
        // A short name as one 16-byte move where both sides have room
        // (the bytes after it in `name` are not part of it, and are never
        // read as if they were).
        let at = usize::from(self.name_len);
        let block = (
            n <= 16,
            self.name.get_mut(at..at.saturating_add(16)),
            c.rest().get(..16),
        );
        if let (true, Some(dst), Some(src)) = block {
            dst.copy_from_slice(src);
            self.name_len = self.name_len.saturating_add(n as u16);
        } else {
            self.add_name_bytes(c.rest().get(..n).unwrap_or_default());
        }
        self.skip(c, n);
    }

    /// Adds ASCII name characters to the name.
    fn add_name_bytes(&mut self, bytes: &[u8]) {
        let at = usize::from(self.name_len);
        let room = MAX_NAME.saturating_sub(at).min(bytes.len());
        if let (Some(dst), Some(src)) = (
            self.name.get_mut(at..at.saturating_add(room)),
            bytes.get(..room),
        ) {
            dst.copy_from_slice(src);
        }
        // Bytes past the kept ones are hashed as they come (rare: names
        // longer than MAX_NAME).
        if let Some(beyond) = bytes.get(room..) {
            let mut hash = self.name_hash;
            for &b in beyond {
                hash = (hash ^ u32::from(b)).wrapping_mul(FNV_PRIME);
            }
            self.name_hash = hash;
        }
        let n16 = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
        self.name_len = self.name_len.saturating_add(n16);
    }

    /// What the state makes of the commonest bytes (see [`Hot`]): decided
    /// once per change of state, not once per byte.
    #[inline(always)]
    pub(crate) fn hot(&self) -> Hot {
        if !self.quick_ready() {
            return Hot::COLD;
        }
        let (kind, class, except) = match self.state {
            State::Text => (HotKind::Text, TEXT, 0),
            State::Cdata => (HotKind::Text, PLAIN, b']'),
            // The first character of an end tag's or an instruction's name
            // is a name start (a start tag's came with `<`).
            State::StartName | State::EndName | State::PiTarget if self.name_len == 0 => {
                (HotKind::Name, NAME_START, 0)
            }
            State::StartName | State::EndName | State::PiTarget => (HotKind::Name, NAME, 0),
            State::AttrName => (HotKind::Skip, NAME, 0),
            State::Misc
            | State::InTag
            | State::AttrEq
            | State::AttrValueStart
            | State::EndTrail => (HotKind::Skip, WS, 0),
            State::PiBody => (HotKind::Skip, PLAIN, b'?'),
            State::Comment => (HotKind::Skip, PLAIN, b'-'),
            State::AttrValue(q) => (HotKind::Skip, TEXT, q),
            _ => return Hot::COLD,
        };
        Hot {
            kind,
            class: ascii::bit(class),
            except,
        }
    }

    /// Takes a byte that `hot` (this state's [`hot`](Self::hot)) takes:
    /// `false` for a character of text, to be reported and then passed
    /// ([`passed_byte`](Self::passed_byte)); `true` when done (passed).
    #[inline(always)]
    pub(crate) fn take_hot(&mut self, hot: Hot, b: u8) -> bool {
        let taken = self.hot_byte(hot.kind, b);
        if taken {
            self.passed_byte();
        }
        taken
    }

    /// What a byte that a [`Hot`] of `kind` takes does to the state:
    /// `false` for a character of text (nothing changed: it is to be
    /// reported), `true` when it is taken (the offsets not moved).
    #[inline(always)]
    fn hot_byte(&mut self, kind: HotKind, b: u8) -> bool {
        match kind {
            HotKind::Text => return false,
            HotKind::Name => self.name_byte(b),
            HotKind::Skip | HotKind::Cold => {}
        }
        true
    }

    /// A byte fed alone, in the commonest cases: a character of text, of
    /// a name, of whitespace between markup or of an instruction or
    /// comment ([`hot`](Self::hot)), or markup that reports nothing.
    /// Takes it ([`Quick::Taken`]: nothing to report) or says it is a
    /// character of text ([`Quick::Text`]: nothing changed yet), and
    /// leaves everything else ([`Quick::Other`], nothing changed). The
    /// caller moves the offsets with [`passed_byte`](Self::passed_byte).
    #[inline(always)]
    fn quick(&mut self, b: u8) -> Quick {
        let hot = self.hot();
        if hot.takes(b) {
            return match self.hot_byte(hot.kind, b) {
                true => Quick::Taken,
                false => Quick::Text,
            };
        }
        if !self.quick_ready() {
            return Quick::Other;
        }
        self.quick_markup(b)
    }

    /// [`quick`](Self::quick)'s markup steps alone (for a byte its
    /// [`hot`](Self::hot) cases do not take), the byte passed if taken.
    #[inline(always)]
    pub(crate) fn take_quick_markup(&mut self, b: u8) -> bool {
        let taken = self.quick_ready() && self.quick_markup(b) == Quick::Taken;
        if taken {
            self.passed_byte();
        }
        taken
    }

    /// The markup bytes of [`quick`](Self::quick): the steps of the state
    /// machine (as [`step`](Tokenizer::step) takes them) into and through
    /// tags and instructions that report nothing.
    #[inline(always)]
    fn quick_markup(&mut self, b: u8) -> Quick {
        self.state = match (self.state, b) {
            (State::Text | State::Misc, b'<') => State::Lt,
            (State::Lt, b'/') if self.depth > 0 => {
                self.begin_name();
                State::EndName
            }
            (State::Lt, b'?') => {
                self.begin_name();
                State::PiTarget
            }
            (State::Lt, _) if ascii::is(b, NAME_START) && !self.root_done => {
                self.begin_name();
                self.name_byte(b);
                State::StartName
            }
            (State::PiBody, b'?') => State::PiQuestion,
            (State::PiQuestion, b'>') => {
                self.markup_done();
                return Quick::Taken;
            }
            _ => return Quick::Other,
        };
        Quick::Taken
    }

    /// Whether the fast path may take the next byte: it is used (not in
    /// the tests' general tokenizer), and no UTF-8 sequence or CR is
    /// pending.
    #[inline(always)]
    pub(super) fn quick_ready(&self) -> bool {
        self.fast() && self.utf8.need == 0 && !self.after_cr
    }

    /// One more ASCII character of the name.
    #[inline(always)]
    fn name_byte(&mut self, b: u8) {
        match self.name.get_mut(usize::from(self.name_len)) {
            Some(slot) => *slot = b,
            None => self.name_hash = (self.name_hash ^ u32::from(b)).wrapping_mul(FNV_PRIME),
        }
        self.name_len = self.name_len.saturating_add(1);
    }

    /// The byte [`quick`](Self::quick) looked at has been dealt with: the
    /// offsets move past it.
    #[inline(always)]
    pub(crate) fn passed_byte(&mut self) {
        self.char_pos = self.offset;
        self.offset = self.offset.saturating_add(1);
    }

    /// What [`feed`](Self::feed) does with a chunk of this one byte, for
    /// a byte [`quick`](Self::quick) left (markup, mostly): without
    /// looking at the byte again for `quick`'s cases (a byte left because
    /// a UTF-8 sequence or a CR is pending goes the general way). No error
    /// is pending.
    #[inline(never)]
    pub(crate) fn feed_markup_byte<E, F>(&mut self, b: u8, on: &mut F) -> Result<(), E>
    where
        E: From<XmlError>,
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let base = self.offset;
        let chunk = [b];
        let markup = match self.quick_ready() {
            true => self.one_markup_byte(b, base, on),
            false => None,
        };
        let r = match markup {
            Some(r) => r,
            None => self.run(&chunk, base, on),
        };
        self.settle(r, base, 1)
    }

    /// A chunk of one byte: [`quick`](Self::quick)'s cases without the
    /// loop around them, else markup through
    /// [`one_markup_byte`](Self::one_markup_byte). `None` leaves the byte
    /// to [`scan`](Self::scan), having changed nothing.
    #[inline]
    pub(super) fn one_byte<E, F>(
        &mut self,
        chunk: &[u8],
        base: usize,
        on: &mut F,
    ) -> Option<Result<(), Stop<E>>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let [b] = *chunk else { return None };
        if !self.quick_ready() {
            return None;
        }
        match self.quick(b) {
            Quick::Taken => {
                self.char_pos = base;
                Some(Ok(()))
            }
            Quick::Text => {
                let piece = ASCII.get(usize::from(b)..usize::from(b).saturating_add(1))?;
                self.char_pos = base;
                Some(on(Event::Text(piece)).map_err(Stop::Callback))
            }
            Quick::Other => self.one_markup_byte(b, base, on),
        }
    }

    /// The bytes that complete the usual tags (`>` of `<Name>`, `</Name>`
    /// and `/>`, `/` of `/>`) and an instruction's target (`<?xml `), each
    /// a step of the state machine as
    /// [`step`](Tokenizer::step) takes it: the element opened or closed,
    /// the error, or `None` for any other byte (nothing changed).
    #[inline(always)]
    fn tag_step(&mut self, b: u8, base: usize) -> Option<Result<Tag, XmlErrorKind>> {
        let named = self.name_len > 0;
        let ours = match (self.state, b) {
            (State::PiTarget, b' ' | b'\t' | b'\n' | b'?') | (State::EndName, b'>') => named,
            (State::StartName, b'>' | b'/') | (State::SelfClose, b'>') => true,
            _ => false,
        };
        if !ours {
            return None;
        }
        // The byte's offset, for an error here or in the caller's
        // callback.
        self.char_pos = base;
        Some(match self.state {
            State::PiTarget => self.check_pi_target().map(|()| {
                self.state = match b {
                    b'?' => State::PiQuestion,
                    _ => State::PiBody,
                };
                Tag::None
            }),
            State::StartName => self.push().map(|()| {
                self.state = match b {
                    b'>' => State::Text,
                    _ => State::SelfClose,
                };
                Tag::Start
            }),
            State::EndName => self.check_end().map(|()| {
                self.pop();
                Tag::End
            }),
            _ => {
                self.pop();
                Ok(Tag::End)
            }
        })
    }

    /// [`tag_step`](Self::tag_step), its element reported as an event.
    #[inline(never)]
    fn one_tag_byte<E, F>(&mut self, b: u8, base: usize, on: &mut F) -> Option<Result<(), Stop<E>>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let event = match self.tag_step(b, base)? {
            Ok(Tag::Start) => Event::Start(self.name()),
            Ok(Tag::End) => Event::End(self.name()),
            Ok(Tag::None) => return Some(Ok(())),
            Err(kind) => return Some(Err(Stop::Xml(kind))),
        };
        Some(on(event).map_err(Stop::Callback))
    }

    /// What [`feed`](Self::feed) does with a chunk of this one byte, if it
    /// completes a tag ([`tag_step`](Self::tag_step)), for a reader that
    /// wants the element's name as bytes rather than as an event (no
    /// UTF-8 check of it again: it was checked as it came): `on` gets the
    /// qualified name (empty if longer than [`MAX_NAME`]). `None` for any
    /// other byte, nothing changed. No error is pending.
    #[inline]
    pub(crate) fn feed_tag_byte<E, F>(&mut self, b: u8, on: &mut F) -> Option<Result<(), E>>
    where
        E: From<XmlError>,
        F: FnMut(Tag, &[u8]) -> Result<(), E>,
    {
        if !self.quick_ready() {
            return None;
        }
        let base = self.offset;
        let r = match self.tag_step(b, base)? {
            Ok(Tag::None) => Ok(()),
            Ok(tag) => {
                let name = self.name.get(..usize::from(self.name_len));
                on(tag, name.unwrap_or_default()).map_err(Stop::Callback)
            }
            Err(kind) => Err(Stop::Xml(kind)),
        };
        Some(self.settle(r, base, 1))
    }

    /// Markup (`<`, `>`, `/`, `?`) in a chunk of one byte: the fast
    /// path's own steps, without the general loop around them. Out of
    /// line, so that the common bytes do not pay for its registers.
    #[inline(never)]
    fn one_markup_byte<E, F>(
        &mut self,
        b: u8,
        base: usize,
        on: &mut F,
    ) -> Option<Result<(), Stop<E>>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        if let Some(r) = self.one_tag_byte(b, base, on) {
            return Some(r);
        }
        let chunk = &[b][..];
        let mut run = None;
        let mut view = None;
        match self.fast_run(chunk, 0, base, on, &mut run, &mut view) {
            // Nothing taken, nothing changed.
            Ok(0) => None,
            Ok(_) => Some(flush(chunk, &mut run, on, &mut view)),
            // As `run` does: the text before the error first.
            Err(Stop::Xml(kind)) => {
                Some(flush(chunk, &mut run, on, &mut view).and(Err(Stop::Xml(kind))))
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// The fast path's name hash: the kept bytes of the name (at most
    /// [`MAX_NAME`]) eight at a time, on top of the
    /// FNV-1a hash of the bytes beyond them. Like the per-byte hash of the
    /// general path, it depends on the name only, not on where chunks
    /// split it.
    pub(super) fn word_hash(&self) -> u32 {
        const MUL: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut left = usize::from(self.name_len).min(MAX_NAME);
        let mut h = u64::from(self.name_hash);
        for part in self.name.chunks_exact(8) {
            if left == 0 {
                break;
            }
            let mut word = u64::from_le_bytes(part.try_into().unwrap_or([0; 8]));
            if left < 8 {
                // The bytes past the name are an earlier name's.
                word &= (1u64 << (8 * left)) - 1;
            }
            left = left.saturating_sub(8);
            h = (h.rotate_left(5) ^ word).wrapping_mul(MUL);
        }
        (h >> 32) as u32 ^ h as u32
    }

    /// A name continues (or, if none has begun, starts) here: takes its
    /// ASCII characters.
    fn name_run<F>(&mut self, c: &mut Cursor<'_, '_, F>) {
        let starts = self.name_len > 0 || c.peek().is_some_and(|b| ascii::is(b, NAME_START));
        if starts {
            let n = c.span(NAME);
            if n > 0 {
                self.name_bytes(c, n);
            }
        }
    }

    /// `Text`: text runs and the tags between them.
    fn content<E, F>(&mut self, c: &mut Cursor<'_, '_, F>) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        loop {
            let n = c.span(TEXT);
            if n > 0 {
                self.literal(c, n);
            }
            if !self.markup(c)? || self.state != State::Text {
                return Ok(());
            }
        }
    }

    /// At `<`: flushes what is pending and reads the markup it opens.
    /// `false` (nothing read) when the next byte is not `<`.
    fn markup<E, F>(&mut self, c: &mut Cursor<'_, '_, F>) -> Result<bool, Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        if c.peek() != Some(b'<') {
            return Ok(false);
        }
        self.at(c);
        c.flush()?;
        self.state = State::Lt;
        c.i = c.i.saturating_add(1);
        self.lt(c)?;
        Ok(true)
    }

    /// `Misc`: whitespace before or after the root, then markup.
    fn misc<E, F>(&mut self, c: &mut Cursor<'_, '_, F>) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let n = c.span(WS);
        if n > 0 {
            self.skip(c, n);
        }
        self.markup(c).map(|_| ())
    }

    /// `Lt`: what follows `<`.
    fn lt<E, F>(&mut self, c: &mut Cursor<'_, '_, F>) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let Some(b) = c.peek() else { return Ok(()) };
        if ascii::is(b, NAME_START) && !self.root_done {
            self.at(c);
            self.begin_name();
            c.name_at = Some(c.i);
            self.state = State::StartName;
            self.start_name(c)
        } else if b == b'/' && self.depth > 0 {
            self.at(c);
            c.flush()?;
            self.begin_name();
            self.state = State::EndName;
            c.i = c.i.saturating_add(1);
            c.name_at = Some(c.i);
            self.end_name(c)
        } else if b == b'?' {
            self.at(c);
            c.flush()?;
            self.begin_name();
            self.state = State::PiTarget;
            c.i = c.i.saturating_add(1);
            self.pi_target(c)
        } else {
            Ok(())
        }
    }

    /// `StartName`: the rest of the name, then `>`, `/` or whitespace.
    fn start_name<E, F>(&mut self, c: &mut Cursor<'_, '_, F>) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        self.name_run(c);
        let next = match c.peek() {
            Some(b'>') => State::Text,
            Some(b'/') => State::SelfClose,
            Some(b' ' | b'\t' | b'\n') => State::InTag,
            _ => return Ok(()),
        };
        self.at(c);
        self.push().map_err(Stop::Xml)?;
        self.state = next;
        self.tag_closed(c, false)?;
        if next == State::SelfClose {
            self.self_close(c)?;
        }
        Ok(())
    }

    /// `SelfClose`: the `>` of `/>`.
    fn self_close<E, F>(&mut self, c: &mut Cursor<'_, '_, F>) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        if c.peek() != Some(b'>') {
            return Ok(());
        }
        self.at(c);
        self.pop();
        self.tag_closed(c, true)
    }

    /// Passes the `>` that closes a tag, reports the text before it, then
    /// the tag's start (or, with `end`, its end) by its name: the chunk's
    /// bytes if the name was read here whole, the tokenizer's copy
    /// otherwise.
    #[inline(always)]
    fn tag_closed<E, F>(&self, c: &mut Cursor<'_, '_, F>, end: bool) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        c.i = c.i.saturating_add(1);
        c.flush()?;
        let name = match c.name(self.name_len) {
            Some(name) => name,
            None => self.name(),
        };
        c.report(if end {
            Event::End(name)
        } else {
            Event::Start(name)
        })
    }

    /// `EndName`: the name of an end tag, then `>` or whitespace.
    fn end_name<E, F>(&mut self, c: &mut Cursor<'_, '_, F>) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        self.name_run(c);
        if self.name_len == 0 {
            return Ok(());
        }
        match c.peek() {
            Some(b'>') => {
                self.at(c);
                self.check_end().map_err(Stop::Xml)?;
                self.pop();
                self.tag_closed(c, true)
            }
            Some(b' ' | b'\t' | b'\n') => {
                self.at(c);
                self.check_end().map_err(Stop::Xml)?;
                self.state = State::EndTrail;
                c.i = c.i.saturating_add(1);
                c.flush()
            }
            _ => Ok(()),
        }
    }

    /// `PiTarget`: the target of `<?target ...?>`, then whitespace or `?`.
    fn pi_target<E, F>(&mut self, c: &mut Cursor<'_, '_, F>) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        self.name_run(c);
        if self.name_len == 0 {
            return Ok(());
        }
        let next = match c.peek() {
            Some(b' ' | b'\t' | b'\n') => State::PiBody,
            Some(b'?') => State::PiQuestion,
            _ => return Ok(()),
        };
        self.at(c);
        self.check_pi_target().map_err(Stop::Xml)?;
        self.state = next;
        c.i = c.i.saturating_add(1);
        c.flush()?;
        self.pi_body(c)
    }

    /// `PiBody` and `PiQuestion`: up to the `?>` that ends the
    /// instruction.
    fn pi_body<E, F>(&mut self, c: &mut Cursor<'_, '_, F>) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        loop {
            if self.state == State::PiBody {
                let n = c.span_except(PLAIN, b'?');
                if n > 0 {
                    self.skip(c, n);
                }
                if c.peek() != Some(b'?') {
                    return Ok(());
                }
                self.at(c);
                self.state = State::PiQuestion;
                c.i = c.i.saturating_add(1);
            }
            let Some(b) = c.peek() else { return Ok(()) };
            if self.state != State::PiQuestion || !ascii::is(b, PLAIN) {
                return Ok(());
            }
            self.at(c);
            c.i = c.i.saturating_add(1);
            match b {
                b'>' => {
                    self.markup_done();
                    return Ok(());
                }
                b'?' => {}
                _ => self.state = State::PiBody,
            }
        }
    }

    /// Every other state: a run of bytes that change nothing, else one
    /// ASCII character through the state machine.
    fn other<E, F>(&mut self, c: &mut Cursor<'_, '_, F>) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let n = match self.state {
            State::InTag | State::AttrEq | State::AttrValueStart | State::EndTrail => c.span(WS),
            State::AttrName => c.span(NAME),
            State::Comment => c.span_except(PLAIN, b'-'),
            State::Cdata => c.span_except(PLAIN, b']'),
            State::AttrValue(q) => c.span_except(TEXT, q),
            _ => 0,
        };
        if n > 0 {
            if self.state == State::Cdata {
                self.literal(c, n);
            } else {
                c.flush()?;
                self.skip(c, n);
            }
            return Ok(());
        }
        let Some(b) = c.peek() else { return Ok(()) };
        if !ascii::is(b, PLAIN) {
            return Ok(());
        }
        let i = c.i;
        c.i = i.saturating_add(1);
        let mut lead = None;
        self.general_byte(c.chunk, i, b, c.base, &mut lead, c.on, c.run)
    }
}
