//! A push tokenizer for the small XML documents COS answers with.
//!
//! # Why it is public
//!
//! The crate reads COS's answers with this tokenizer, and the same grammar
//! serves the other side of the wire: a gateway, a proxy or an emulator
//! (this workspace's `cos-emulator` among them) reads the request
//! documents clients send, such as a `CompleteMultipartUpload` body, and
//! should accept and refuse exactly what the client side does. Publishing
//! the one tokenizer keeps one XML grammar for both; a second reader for
//! requests would be a second grammar to keep in agreement. The typed
//! readers for COS's answers are [`Response`](crate::Response) and
//! [`ResponseReader`](crate::ResponseReader); reach for this module only
//! for documents they do not cover.
//!
//! Text can hold anything a document carries, so an [`Event`]'s `Debug`
//! and `defmt` show a text piece's length, never its bytes; element names
//! are shown.
//!
//! [`Tokenizer::feed`] takes the body in chunks of any size, down to one
//! byte, split anywhere (inside a name, an entity, a UTF-8 sequence, the
//! declaration), and reports [`Event`]s to a callback as soon as they are
//! known. Its state has a fixed size (under 256 bytes) and it never keeps
//! the document: text arrives as pieces that borrow the chunk being fed, or
//! a decoded character, and only the innermost name is kept (to hand it
//! to the callback).
//!
//! # What it accepts
//!
//! * A UTF-8 byte-order mark at the very start, and whitespace before the
//!   `<?xml ...?>` declaration (COS sends keep-alive spaces before a slow
//!   answer). The declaration is optional and its content is not
//!   interpreted: only UTF-8 is read.
//! * Comments, processing instructions, attributes (either quote style,
//!   checked but not reported), namespace prefixes (names are reported
//!   whole; [`Name::local`] strips the prefix), self-closed elements.
//! * The entities `&quot; &amp; &lt; &gt; &apos;` and numeric references
//!   `&#NN;` / `&#xHH;`, decoded into UTF-8. CDATA sections are reported as
//!   text, undecoded.
//! * Line ends are normalised as XML requires: CR LF and a lone CR in the
//!   input become LF (a `&#13;` reference stays a CR).
//!
//! # What it rejects
//!
//! Invalid UTF-8 and characters XML does not allow (controls other than tab,
//! CR and LF, U+FFFE, U+FFFF); mismatched or stray end tags; a second root;
//! text outside the root; unknown entities and bad character references
//! (zero, surrogates, above U+10FFFF, more than 8 digits); `--` inside a
//! comment; a declaration after other markup; any `<!DOCTYPE` (a document
//! type is where entity-expansion attacks live, and COS never sends one);
//! nesting deeper than [`MAX_DEPTH`].
//!
//! # Limits
//!
//! * Open elements are remembered as an FNV-1a hash and a length of their
//!   name, not the name itself, so an end tag is matched without storing
//!   names. Two different names of the same length and the same 32-bit
//!   hash would be taken as equal; for a document from COS that chance is
//!   nil, and the consequence would only be a malformed document accepted.
//! * Attribute values are checked (quotes, entities, no `<`) but neither
//!   decoded nor reported, and repeated attribute names are not detected.
//! * `]]>` in character data, which XML forbids, is not refused.
//! * End of input before the root element closes is
//!   [`XmlErrorKind::Incomplete`], never success: call
//!   [`Tokenizer::finish`] once the body has ended.

use crate::bytes::span;
use core::fmt;

/// The deepest nesting accepted. COS documents are two or three levels
/// deep; anything beyond 16 is refused as [`XmlErrorKind::TooDeep`].
pub const MAX_DEPTH: usize = 16;

/// The longest element name (prefix included), in bytes, that an [`Event`]
/// can show. Longer names are still parsed and matched, but
/// [`Name::as_str`] gives `None` for them.
pub const MAX_NAME: usize = 64;

/// What went wrong in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum XmlErrorKind {
    /// The input ended before the root element closed (or inside trailing
    /// markup or a UTF-8 sequence).
    Incomplete,
    /// The bytes are not UTF-8.
    InvalidUtf8,
    /// A character that XML does not allow, such as a control character.
    InvalidChar,
    /// A character that cannot appear at this place of the markup.
    UnexpectedChar,
    /// Text other than whitespace before or after the root element.
    TextOutsideRoot,
    /// An end tag whose name is not the open element's.
    MismatchedTag,
    /// An end tag with no open element.
    UnexpectedEndTag,
    /// An element after the root element closed.
    SecondRoot,
    /// `&name;` with a name other than `quot`, `amp`, `lt`, `gt`, `apos`,
    /// or a bare `&`.
    UnknownEntity,
    /// A numeric reference that is malformed, has more than 8 digits or
    /// names a character XML does not allow (0, a surrogate, above
    /// U+10FFFF, a control character).
    InvalidCharRef,
    /// Elements nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A `<!DOCTYPE` declaration; refused whatever it holds.
    Doctype,
    /// An XML declaration after other markup, or a processing instruction
    /// whose target is a case variant of `xml`.
    Declaration,
    /// The event callback returned an error; the tokenizer stops.
    Aborted,
}

impl XmlErrorKind {
    const fn describe(self) -> &'static str {
        match self {
            Self::Incomplete => "document ended before its root element closed",
            Self::InvalidUtf8 => "invalid UTF-8",
            Self::InvalidChar => "character not allowed in XML",
            Self::UnexpectedChar => "unexpected character in markup",
            Self::TextOutsideRoot => "text outside the root element",
            Self::MismatchedTag => "end tag does not match the open element",
            Self::UnexpectedEndTag => "end tag without an open element",
            Self::SecondRoot => "second root element",
            Self::UnknownEntity => "unknown entity or bare '&'",
            Self::InvalidCharRef => "invalid character reference",
            Self::TooDeep => "elements nested too deeply",
            Self::Doctype => "document type declarations are not accepted",
            Self::Declaration => "misplaced XML declaration",
            Self::Aborted => "stopped by the event handler",
        }
    }
}

impl fmt::Display for XmlErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// A malformed or incomplete document: what and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct XmlError {
    /// What went wrong.
    pub kind: XmlErrorKind,
    /// Byte offset in the document of the character where it was found
    /// (for [`XmlErrorKind::Incomplete`]: the length of the input).
    pub offset: usize,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind, self.offset)
    }
}

impl core::error::Error for XmlError {}

/// An element name as reported in [`Event::Start`] and [`Event::End`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Name<'e> {
    text: Option<&'e str>,
    len: usize,
}

impl<'e> Name<'e> {
    /// The qualified name (`ns:ETag` or `ETag`), or `None` if it is longer
    /// than [`MAX_NAME`] bytes.
    #[must_use]
    pub fn as_str(&self) -> Option<&'e str> {
        self.text
    }

    /// The name without its namespace prefix (`ETag` for `ns:ETag`), or
    /// `None` if the whole name is longer than [`MAX_NAME`] bytes.
    #[must_use]
    pub fn local(&self) -> Option<&'e str> {
        let t = self.text?;
        Some(crate::bytes::rsplit_once(t, b':').map_or(t, |(_, local)| local))
    }

    /// Length of the qualified name in bytes (saturating at `u16::MAX`).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: an XML name has at least one character.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// What the tokenizer reports.
///
/// `Debug` and `defmt` show a [`Text`](Event::Text) piece by its length
/// only: a document's text may be secret.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Event<'e> {
    /// An element opened (`<Name ...>` or `<Name .../>`), reported as soon
    /// as its name is complete: attributes are checked afterwards.
    Start(Name<'e>),
    /// An element closed (`</Name>`, or the end of `<Name/>`).
    End(Name<'e>),
    /// A piece of character data inside the root element, decoded. One
    /// text node may arrive in many pieces (at chunk boundaries, around
    /// entities, comments and line ends); concatenate them. Whitespace
    /// between elements is reported too.
    Text(&'e str),
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Start(name) => f.debug_tuple("Start").field(name).finish(),
            Self::End(name) => f.debug_tuple("End").field(name).finish(),
            Self::Text(text) => write!(f, "Text(<{} bytes>)", text.len()),
        }
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Event<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        match self {
            Self::Start(name) => defmt::write!(f, "Start({})", name),
            Self::End(name) => defmt::write!(f, "End({})", name),
            Self::Text(text) => defmt::write!(f, "Text(<{=usize} bytes>)", text.len()),
        }
    }
}

/// Where an entity's decoded character goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Ret {
    Text,
    Attr(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum State {
    /// Before or after the root: whitespace, comments, PIs.
    Misc,
    /// Character data inside the root.
    Text,
    /// After `<`.
    Lt,
    /// After `<!`.
    Bang,
    /// After `<!-`.
    CommentOpen,
    Comment,
    CommentDash,
    CommentDashDash,
    /// After `<![` and this many bytes of `CDATA[`.
    CdataOpen(u8),
    Cdata,
    CdataBracket,
    CdataBrackets,
    PiTarget,
    PiBody,
    PiQuestion,
    StartName,
    InTag,
    AttrName,
    AttrEq,
    AttrValueStart,
    AttrValue(u8),
    AfterAttrValue,
    SelfClose,
    EndName,
    EndTrail,
    EntityName(Ret),
    CharRef(Ret),
    CharRefDec(Ret),
    CharRefHex(Ret),
}

/// What one character makes the tokenizer report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    None,
    /// The character itself is text.
    Literal,
    /// This decoded character is text.
    Char(char),
    /// This fixed text, then nothing.
    Str(&'static str),
    /// This fixed text, then the character itself as text.
    StrLiteral(&'static str),
    Start,
    End,
}

/// Streaming UTF-8 decoder: at most one sequence in progress.
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Utf8 {
    cp: u32,
    need: u8,
    lo: u8,
    hi: u8,
}

impl Utf8 {
    const NEW: Self = Self {
        cp: 0,
        need: 0,
        lo: 0x80,
        hi: 0xBF,
    };

    /// Takes one byte; `Ok(Some(c))` when a code point is complete.
    fn push(&mut self, b: u8) -> Result<Option<u32>, ()> {
        if self.need == 0 {
            let (need, lo, hi, cp) = match b {
                0x00..=0x7F => return Ok(Some(u32::from(b))),
                0xC2..=0xDF => (1, 0x80, 0xBF, b & 0x1F),
                0xE0 => (2, 0xA0, 0xBF, b & 0x0F),
                0xED => (2, 0x80, 0x9F, b & 0x0F),
                0xE1..=0xEF => (2, 0x80, 0xBF, b & 0x0F),
                0xF0 => (3, 0x90, 0xBF, b & 0x07),
                0xF1..=0xF3 => (3, 0x80, 0xBF, b & 0x07),
                0xF4 => (3, 0x80, 0x8F, b & 0x07),
                _ => return Err(()),
            };
            *self = Self {
                cp: u32::from(cp),
                need,
                lo,
                hi,
            };
            return Ok(None);
        }
        if b < self.lo || b > self.hi {
            return Err(());
        }
        self.cp = (self.cp << 6) | u32::from(b & 0x3F);
        self.lo = 0x80;
        self.hi = 0xBF;
        self.need = self.need.saturating_sub(1);
        Ok((self.need == 0).then_some(self.cp))
    }
}

/// Whether XML 1.0 allows this code point at all.
pub(crate) const fn is_xml_char(c: u32) -> bool {
    matches!(c, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// XML whitespace (`S`: space, tab, CR, LF): the one definition, for the
/// tokenizer and (as bytes, [`is_xml_ws`]) for the values a reader trims.
const fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

/// [`is_ws`] of a byte.
pub(crate) const fn is_xml_ws(b: u8) -> bool {
    is_ws(b as char)
}

/// An ASCII character that can start a name.
const fn is_ascii_name_start(b: u8) -> bool {
    // `|`, not `||`: branch-free, for the accelerator.
    ((b | 0x20).wrapping_sub(b'a') < 26) | (b == b'_') | (b == b':')
}

/// An ASCII character that can continue a name but not start one.
const fn is_ascii_name_extra(b: u8) -> bool {
    (b.wrapping_sub(b'-') < 2) | (b.wrapping_sub(b'0') < 10)
}

/// An ASCII character that can continue a name.
const fn is_ascii_name_char(b: u8) -> bool {
    is_ascii_name_start(b) | is_ascii_name_extra(b)
}

fn is_name_start(c: char) -> bool {
    (c.is_ascii() && is_ascii_name_start(c as u8))
        || matches!(c,
            '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
            | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
            | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
            | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c)
        || (c.is_ascii() && is_ascii_name_extra(c as u8))
        || matches!(c, '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Classes of ASCII bytes for the accelerator ([`Tokenizer::pass`]): the
/// bytes that a state takes as they are, with no decision. Branch-free; a
/// byte at or above 0x80 (part of a UTF-8 sequence) is in none.
mod class {
    use super::{is_ascii_name_char, is_xml_ws};

    /// A character XML allows, but CR (line ends are normalised by the
    /// state machine).
    pub(super) const fn plain(b: u8) -> bool {
        ((b as i8) >= 0x20) | (b == b'\t') | (b == b'\n')
    }

    /// Character data that stands for itself: not `<` or `&`.
    pub(super) const fn text(b: u8) -> bool {
        plain(b) & (b != b'<') & (b != b'&')
    }

    /// Whitespace but CR.
    pub(super) const fn ws(b: u8) -> bool {
        is_xml_ws(b) & (b != b'\r')
    }

    /// A name character.
    pub(super) const fn name(b: u8) -> bool {
        is_ascii_name_char(b)
    }
}

const FNV_OFFSET: u32 = 0x811C_9DC5;
const FNV_PRIME: u32 = 0x0100_0193;

/// The push tokenizer. See the [module documentation](self).
///
/// ```
/// use tencent_cos_core::xml::{Event, Tokenizer, XmlError};
///
/// let mut t = Tokenizer::new();
/// let mut text = String::new();
/// for chunk in [&b"<a>x &am"[..], b"p; y</", b"a>"] {
///     t.feed(chunk, &mut |e| {
///         if let Event::Text(s) = e {
///             text.push_str(s);
///         }
///         Ok::<_, XmlError>(())
///     })?;
/// }
/// t.finish()?;
/// assert_eq!(text, "x & y");
/// # Ok::<(), XmlError>(())
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Tokenizer {
    state: State,
    utf8: Utf8,
    /// Bytes consumed before the current chunk.
    offset: usize,
    /// Document offset of the first byte of the current character.
    char_pos: usize,
    /// The last character was a CR (reported as LF); a following LF is
    /// dropped.
    after_cr: bool,
    /// Nothing but a BOM and whitespace so far: a declaration may come.
    prolog_clean: bool,
    root_done: bool,
    depth: u8,
    stack_hash: [u32; MAX_DEPTH],
    stack_len: [u16; MAX_DEPTH],
    name: [u8; MAX_NAME],
    name_len: u16,
    name_hash: u32,
    entity: [u8; 4],
    entity_len: u8,
    ref_value: u32,
    ref_digits: u8,
    failed: Option<XmlError>,
}

impl Default for Tokenizer {
    fn default() -> Self {
        Self::new()
    }
}

impl Tokenizer {
    /// A tokenizer at the start of a document.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            state: State::Misc,
            utf8: Utf8::NEW,
            offset: 0,
            char_pos: 0,
            after_cr: false,
            prolog_clean: true,
            root_done: false,
            depth: 0,
            stack_hash: [0; MAX_DEPTH],
            stack_len: [0; MAX_DEPTH],
            name: [0; MAX_NAME],
            name_len: 0,
            name_hash: FNV_OFFSET,
            entity: [0; 4],
            entity_len: 0,
            ref_value: 0,
            ref_digits: 0,
            failed: None,
        }
    }

    /// How many elements are open.
    #[must_use]
    pub fn depth(&self) -> usize {
        usize::from(self.depth)
    }

    /// Whether the root element has closed and nothing is left open
    /// (no comment, no processing instruction, no UTF-8 sequence): the
    /// document is complete if the input ends here.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.failed.is_none()
            && self.root_done
            && matches!(self.state, State::Misc)
            && self.utf8.need == 0
    }

    /// Number of bytes fed so far.
    #[must_use]
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Call once the input has ended: `Ok` if the document is complete,
    /// [`XmlErrorKind::Incomplete`] otherwise (or the error that stopped
    /// an earlier [`feed`](Self::feed)).
    pub fn finish(&self) -> Result<(), XmlError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        if self.is_complete() {
            Ok(())
        } else {
            Err(XmlError {
                kind: XmlErrorKind::Incomplete,
                offset: self.offset,
            })
        }
    }

    /// Takes the next piece of the document and reports what it completes.
    ///
    /// `on` is called for each event, in document order; an `Err` from it
    /// stops the tokenizer and is returned. Errors found in the document
    /// are converted with `E::from`. After any error every later call
    /// returns that error again (for a callback's error:
    /// [`XmlErrorKind::Aborted`]).
    pub fn feed<E, F>(&mut self, chunk: &[u8], on: &mut F) -> Result<(), E>
    where
        E: From<XmlError>,
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        if let Some(e) = self.failed {
            return Err(E::from(e));
        }
        let base = self.offset;
        let r = self.run(chunk, base, on);
        self.settle(r, base, chunk.len())
    }

    /// What a `feed` of `len` bytes from `base` returns, after `r`: the
    /// offset moved past them, or the error kept.
    #[inline(always)]
    fn settle<E>(&mut self, r: Result<(), Stop<E>>, base: usize, len: usize) -> Result<(), E>
    where
        E: From<XmlError>,
    {
        match r {
            Ok(()) => {
                self.offset = base.saturating_add(len);
                Ok(())
            }
            Err(Stop::Xml(kind)) => Err(E::from(self.fail(kind))),
            Err(Stop::Callback(e)) => {
                self.fail(XmlErrorKind::Aborted);
                Err(e)
            }
        }
    }

    fn fail(&mut self, kind: XmlErrorKind) -> XmlError {
        let e = XmlError {
            kind,
            offset: self.char_pos,
        };
        self.failed = Some(e);
        e
    }

    fn run<E, F>(&mut self, bytes: &[u8], base: usize, on: &mut F) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        let chunk = Chunk::new(bytes);
        // A run of literal text inside this chunk, not yet reported.
        let mut run: Option<(usize, usize)> = None;
        match self.scan(chunk, base, on, &mut run) {
            // The text before the bad character is reported first, as it
            // is when the chunk ends just before it: what the callback sees,
            // and so which error wins, must not depend on where the body
            // was split.
            Err(Stop::Xml(kind)) => {
                flush(chunk, &mut run, on)?;
                Err(Stop::Xml(kind))
            }
            other => other,
        }
    }

    fn scan<E, F>(
        &mut self,
        chunk: Chunk<'_>,
        base: usize,
        on: &mut F,
        run: &mut Option<(usize, usize)>,
    ) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        // Index in this chunk of the current character's first byte, if it
        // began in this chunk.
        let mut lead: Option<usize> = None;
        let (bytes, mut i) = (chunk.bytes, 0usize);
        while let Some(&b) = bytes.get(i) {
            let passed = self.pass(bytes, i, base, run);
            if passed > 0 {
                i = i.wrapping_add(passed);
                continue;
            }
            self.byte(chunk, i, b, base, &mut lead, on, run)?;
            // i < chunk.len().
            i = i.wrapping_add(1);
        }
        flush(chunk, run, on)
    }

    /// The accelerator (hosts; nothing in the compact build): passes the
    /// run of ASCII bytes from `i` on that the state takes as they are,
    /// with no decision (text, a name's characters, whitespace between
    /// markup, the body of a comment or an instruction), doing what the
    /// state machine does with each: text joins the pending run, a name's
    /// characters join the name. Every byte that could change the state
    /// is left to [`byte`](Self::byte). How many bytes it passed.
    #[inline(always)]
    fn pass(
        &mut self,
        chunk: &[u8],
        i: usize,
        base: usize,
        run: &mut Option<(usize, usize)>,
    ) -> usize {
        if self.utf8.need != 0 || self.after_cr {
            return 0;
        }
        let rest = chunk.get(i..).unwrap_or_default();
        let n = match self.state {
            State::Text => span(rest, class::text),
            State::Cdata => span(rest, |b| class::plain(b) & (b != b']')),
            State::Misc
            | State::InTag
            | State::AttrEq
            | State::AttrValueStart
            | State::EndTrail => span(rest, class::ws),
            // A name's first character is a name start: decided below.
            State::StartName | State::EndName | State::PiTarget if self.name_len > 0 => {
                span(rest, class::name)
            }
            State::AttrName => span(rest, class::name),
            State::Comment => span(rest, |b| class::plain(b) & (b != b'-')),
            State::PiBody => span(rest, |b| class::plain(b) & (b != b'?')),
            State::AttrValue(q) => span(rest, |b| class::text(b) & (b != q)),
            _ => 0,
        };
        if n == 0 {
            return 0;
        }
        // n <= rest.len(): no overflow.
        let end = i.wrapping_add(n);
        match self.state {
            State::Text | State::Cdata => match run {
                Some((_, e)) => *e = end,
                None => *run = Some((i, end)),
            },
            State::StartName | State::EndName | State::PiTarget => {
                self.add_name_bytes(rest.get(..n).unwrap_or_default());
            }
            _ => {}
        }
        // The last character passed is the current one.
        self.char_pos = base.wrapping_add(end).wrapping_sub(1);
        n
    }

    /// The state machine's work on the byte at `i` of the chunk: decodes
    /// it into a character (with `lead`, where the character began in this
    /// chunk), checks it, normalises line ends, advances the state machine
    /// ([`step`](Self::step)) and reports.
    #[allow(clippy::too_many_arguments)]
    #[cfg_attr(not(cos_compact), inline(always))]
    fn byte<E, F>(
        &mut self,
        chunk: Chunk<'_>,
        i: usize,
        b: u8,
        base: usize,
        lead: &mut Option<usize>,
        on: &mut F,
        run: &mut Option<(usize, usize)>,
    ) -> Result<(), Stop<E>>
    where
        F: FnMut(Event<'_>) -> Result<(), E>,
    {
        if self.utf8.need == 0 {
            *lead = Some(i);
            self.char_pos = base.saturating_add(i);
        }
        let cp = match self.utf8.push(b) {
            Ok(Some(cp)) => cp,
            Ok(None) => return Ok(()),
            Err(()) => return Err(Stop::Xml(XmlErrorKind::InvalidUtf8)),
        };
        // ASCII apart on hosts: most characters are, and for them the
        // checks below come down to one compare.
        let c = if cfg!(not(cos_compact)) && cp < 0x80 {
            if !is_xml_char(cp) {
                return Err(Stop::Xml(XmlErrorKind::InvalidChar));
            }
            char::from(cp as u8)
        } else {
            let c = match char::from_u32(cp) {
                Some(c) if is_xml_char(cp) => c,
                _ => return Err(Stop::Xml(XmlErrorKind::InvalidChar)),
            };
            if cp == 0xFEFF && self.char_pos == 0 {
                return Ok(()); // byte-order mark
            }
            c
        };
        let (c, synthetic) = match c {
            '\r' => {
                self.after_cr = true;
                ('\n', true)
            }
            '\n' if self.after_cr => {
                self.after_cr = false;
                return flush(chunk, run, on);
            }
            c => {
                self.after_cr = false;
                (c, false)
            }
        };
        let act = self.step(c).map_err(Stop::Xml)?;
        let end = i.saturating_add(1);
        let in_chunk = lead.filter(|_| !synthetic);
        if act == Act::Literal {
            if let Some(start) = in_chunk {
                match run {
                    Some((_, e)) => *e = end,
                    None => *run = Some((start, end)),
                }
                return Ok(());
            }
        }
        flush(chunk, run, on)?;
        match act {
            Act::None => {}
            Act::Literal => emit_char(c, on)?,
            Act::Char(d) => emit_char(d, on)?,
            Act::Str(s) => on(Event::Text(s)).map_err(Stop::Callback)?,
            Act::StrLiteral(s) => {
                on(Event::Text(s)).map_err(Stop::Callback)?;
                match in_chunk {
                    Some(start) => *run = Some((start, end)),
                    None => emit_char(c, on)?,
                }
            }
            Act::Start => on(Event::Start(self.name())).map_err(Stop::Callback)?,
            Act::End => on(Event::End(self.name())).map_err(Stop::Callback)?,
        }
        Ok(())
    }

    fn name(&self) -> Name<'_> {
        let len = usize::from(self.name_len);
        let text = self
            .name
            .get(..len)
            .and_then(|b| core::str::from_utf8(b).ok());
        Name { text, len }
    }

    fn begin_name(&mut self) {
        self.name_len = 0;
        self.name_hash = FNV_OFFSET;
    }

    fn add_name(&mut self, c: char) {
        let mut buf = [0u8; 4];
        self.add_name_bytes(c.encode_utf8(&mut buf).as_bytes());
    }

    /// Adds bytes to the name: kept up to [`MAX_NAME`], hashed (FNV-1a)
    /// all, so that an end tag is matched by hash and length.
    fn add_name_bytes(&mut self, bytes: &[u8]) {
        let mut hash = self.name_hash;
        let mut len = self.name_len;
        for &b in bytes {
            hash = (hash ^ u32::from(b)).wrapping_mul(FNV_PRIME);
            if let Some(slot) = self.name.get_mut(usize::from(len)) {
                *slot = b;
            }
            len = len.saturating_add(1);
        }
        self.name_hash = hash;
        self.name_len = len;
    }

    fn push(&mut self) -> Result<(), XmlErrorKind> {
        let d = usize::from(self.depth);
        let key = self.name_hash;
        match (self.stack_hash.get_mut(d), self.stack_len.get_mut(d)) {
            (Some(h), Some(l)) => {
                *h = key;
                *l = self.name_len;
            }
            _ => return Err(XmlErrorKind::TooDeep),
        }
        self.depth = self.depth.saturating_add(1);
        self.prolog_clean = false;
        Ok(())
    }

    fn check_end(&self) -> Result<(), XmlErrorKind> {
        let top = usize::from(self.depth).checked_sub(1);
        let hash = top.and_then(|t| self.stack_hash.get(t));
        let len = top.and_then(|t| self.stack_len.get(t));
        if hash == Some(&self.name_hash) && len == Some(&self.name_len) {
            Ok(())
        } else {
            Err(XmlErrorKind::MismatchedTag)
        }
    }

    /// Closes the innermost element.
    fn pop(&mut self) -> Act {
        self.depth = self.depth.saturating_sub(1);
        if self.depth == 0 {
            self.root_done = true;
            self.state = State::Misc;
        } else {
            self.state = State::Text;
        }
        Act::End
    }

    /// Back to content or the prolog/epilog after a comment or PI.
    fn markup_done(&mut self) -> Act {
        self.prolog_clean = false;
        self.state = if self.depth > 0 {
            State::Text
        } else {
            State::Misc
        };
        Act::None
    }

    fn begin_entity(&mut self, ret: Ret) -> Act {
        self.entity_len = 0;
        self.state = State::EntityName(ret);
        Act::None
    }

    fn entity_done(&mut self, ret: Ret, c: char) -> Act {
        match ret {
            Ret::Text => {
                self.state = State::Text;
                Act::Char(c)
            }
            Ret::Attr(q) => {
                self.state = State::AttrValue(q);
                Act::None
            }
        }
    }

    fn check_pi_target(&self) -> Result<(), XmlErrorKind> {
        let target = self
            .name
            .get(..usize::from(self.name_len))
            .unwrap_or_default();
        if target == b"xml" {
            if self.prolog_clean && self.depth == 0 && !self.root_done {
                return Ok(());
            }
            return Err(XmlErrorKind::Declaration);
        }
        if target.eq_ignore_ascii_case(b"xml") {
            return Err(XmlErrorKind::Declaration);
        }
        Ok(())
    }

    fn char_ref_digit(&mut self, d: u32, base: u32) -> Result<Act, XmlErrorKind> {
        self.ref_digits = self.ref_digits.saturating_add(1);
        self.ref_value = self.ref_value.saturating_mul(base).saturating_add(d);
        if self.ref_digits > 8 || self.ref_value > 0x10FFFF {
            return Err(XmlErrorKind::InvalidCharRef);
        }
        Ok(Act::None)
    }

    fn char_ref_end(&mut self, ret: Ret) -> Result<Act, XmlErrorKind> {
        match char::from_u32(self.ref_value) {
            Some(c) if self.ref_digits > 0 && is_xml_char(self.ref_value) => {
                Ok(self.entity_done(ret, c))
            }
            _ => Err(XmlErrorKind::InvalidCharRef),
        }
    }

    /// Advances the state machine by one (decoded, normalised) character.
    /// Inlined on hosts (faster); the compact build keeps one copy for
    /// every instantiation of the generic loop around it.
    #[cfg_attr(not(cos_compact), inline(always))]
    fn step(&mut self, c: char) -> Result<Act, XmlErrorKind> {
        use XmlErrorKind as K;
        let unexpected = Err(K::UnexpectedChar);
        Ok(match self.state {
            State::Misc => match c {
                '<' => {
                    self.state = State::Lt;
                    Act::None
                }
                c if is_ws(c) => Act::None,
                _ => return Err(K::TextOutsideRoot),
            },
            State::Text => match c {
                '<' => {
                    self.state = State::Lt;
                    Act::None
                }
                '&' => self.begin_entity(Ret::Text),
                _ => Act::Literal,
            },
            State::Lt => match c {
                '?' => {
                    self.begin_name();
                    self.state = State::PiTarget;
                    Act::None
                }
                '!' => {
                    self.state = State::Bang;
                    Act::None
                }
                '/' if self.depth == 0 => return Err(K::UnexpectedEndTag),
                '/' => {
                    self.begin_name();
                    self.state = State::EndName;
                    Act::None
                }
                c if is_name_start(c) => {
                    if self.root_done {
                        return Err(K::SecondRoot);
                    }
                    self.begin_name();
                    self.add_name(c);
                    self.state = State::StartName;
                    Act::None
                }
                _ => return unexpected,
            },
            State::Bang => match c {
                '-' => {
                    self.state = State::CommentOpen;
                    Act::None
                }
                '[' if self.depth > 0 => {
                    self.state = State::CdataOpen(0);
                    Act::None
                }
                'D' => return Err(K::Doctype),
                _ => return unexpected,
            },
            State::CommentOpen => match c {
                '-' => {
                    self.state = State::Comment;
                    Act::None
                }
                _ => return unexpected,
            },
            State::Comment => {
                if c == '-' {
                    self.state = State::CommentDash;
                }
                Act::None
            }
            State::CommentDash => {
                self.state = if c == '-' {
                    State::CommentDashDash
                } else {
                    State::Comment
                };
                Act::None
            }
            State::CommentDashDash => match c {
                '>' => self.markup_done(),
                _ => return unexpected,
            },
            State::CdataOpen(n) => {
                let want = b"CDATA[".get(usize::from(n)).copied();
                if want.is_none() || want != u8::try_from(c).ok() {
                    return unexpected;
                }
                self.state = if n >= 5 {
                    State::Cdata
                } else {
                    State::CdataOpen(n.saturating_add(1))
                };
                Act::None
            }
            State::Cdata => match c {
                ']' => {
                    self.state = State::CdataBracket;
                    Act::None
                }
                _ => Act::Literal,
            },
            State::CdataBracket => match c {
                ']' => {
                    self.state = State::CdataBrackets;
                    Act::None
                }
                _ => {
                    self.state = State::Cdata;
                    Act::StrLiteral("]")
                }
            },
            State::CdataBrackets => match c {
                '>' => {
                    self.state = State::Text;
                    Act::None
                }
                ']' => Act::Str("]"),
                _ => {
                    self.state = State::Cdata;
                    Act::StrLiteral("]]")
                }
            },
            State::PiTarget => {
                if self.name_len == 0 {
                    if !is_name_start(c) {
                        return unexpected;
                    }
                    self.add_name(c);
                    Act::None
                } else if is_name_char(c) {
                    self.add_name(c);
                    Act::None
                } else if is_ws(c) {
                    self.check_pi_target()?;
                    self.state = State::PiBody;
                    Act::None
                } else if c == '?' {
                    self.check_pi_target()?;
                    self.state = State::PiQuestion;
                    Act::None
                } else {
                    return unexpected;
                }
            }
            State::PiBody => {
                if c == '?' {
                    self.state = State::PiQuestion;
                }
                Act::None
            }
            State::PiQuestion => match c {
                '>' => self.markup_done(),
                '?' => Act::None,
                _ => {
                    self.state = State::PiBody;
                    Act::None
                }
            },
            State::StartName => match c {
                '>' => {
                    self.push()?;
                    self.state = State::Text;
                    Act::Start
                }
                '/' => {
                    self.push()?;
                    self.state = State::SelfClose;
                    Act::Start
                }
                c if is_ws(c) => {
                    self.push()?;
                    self.state = State::InTag;
                    Act::Start
                }
                c if is_name_char(c) => {
                    self.add_name(c);
                    Act::None
                }
                _ => return unexpected,
            },
            State::InTag | State::AfterAttrValue => match c {
                '>' => {
                    self.state = State::Text;
                    Act::None
                }
                '/' => {
                    self.state = State::SelfClose;
                    Act::None
                }
                c if is_ws(c) => {
                    self.state = State::InTag;
                    Act::None
                }
                c if matches!(self.state, State::InTag) && is_name_start(c) => {
                    self.state = State::AttrName;
                    Act::None
                }
                _ => return unexpected,
            },
            State::AttrName => match c {
                c if is_name_char(c) => Act::None,
                c if is_ws(c) => {
                    self.state = State::AttrEq;
                    Act::None
                }
                '=' => {
                    self.state = State::AttrValueStart;
                    Act::None
                }
                _ => return unexpected,
            },
            State::AttrEq => match c {
                c if is_ws(c) => Act::None,
                '=' => {
                    self.state = State::AttrValueStart;
                    Act::None
                }
                _ => return unexpected,
            },
            State::AttrValueStart => match c {
                c if is_ws(c) => Act::None,
                '"' => {
                    self.state = State::AttrValue(b'"');
                    Act::None
                }
                '\'' => {
                    self.state = State::AttrValue(b'\'');
                    Act::None
                }
                _ => return unexpected,
            },
            State::AttrValue(q) => match c {
                c if c == char::from(q) => {
                    self.state = State::AfterAttrValue;
                    Act::None
                }
                '<' => return unexpected,
                '&' => self.begin_entity(Ret::Attr(q)),
                _ => Act::None,
            },
            State::SelfClose => match c {
                '>' => self.pop(),
                _ => return unexpected,
            },
            State::EndName => {
                if self.name_len == 0 {
                    if !is_name_start(c) {
                        return unexpected;
                    }
                    self.add_name(c);
                    Act::None
                } else if c == '>' {
                    self.check_end()?;
                    self.pop()
                } else if is_ws(c) {
                    self.check_end()?;
                    self.state = State::EndTrail;
                    Act::None
                } else if is_name_char(c) {
                    self.add_name(c);
                    Act::None
                } else {
                    return unexpected;
                }
            }
            State::EndTrail => match c {
                '>' => self.pop(),
                c if is_ws(c) => Act::None,
                _ => return unexpected,
            },
            State::EntityName(ret) => match c {
                '#' if self.entity_len == 0 => {
                    self.ref_value = 0;
                    self.ref_digits = 0;
                    self.state = State::CharRef(ret);
                    Act::None
                }
                ';' => {
                    let name = self
                        .entity
                        .get(..usize::from(self.entity_len))
                        .unwrap_or_default();
                    let d = match name {
                        b"lt" => '<',
                        b"gt" => '>',
                        b"amp" => '&',
                        b"quot" => '"',
                        b"apos" => '\'',
                        _ => return Err(K::UnknownEntity),
                    };
                    self.entity_done(ret, d)
                }
                c if c.is_ascii_alphanumeric() => {
                    match self.entity.get_mut(usize::from(self.entity_len)) {
                        Some(slot) => *slot = u8::try_from(c).unwrap_or(0),
                        None => return Err(K::UnknownEntity),
                    }
                    self.entity_len = self.entity_len.saturating_add(1);
                    Act::None
                }
                _ => return Err(K::UnknownEntity),
            },
            State::CharRef(ret) => match c {
                'x' => {
                    self.state = State::CharRefHex(ret);
                    Act::None
                }
                c => match c.to_digit(10) {
                    Some(d) => {
                        self.state = State::CharRefDec(ret);
                        self.char_ref_digit(d, 10)?
                    }
                    None => return Err(K::InvalidCharRef),
                },
            },
            State::CharRefDec(ret) => match (c, c.to_digit(10)) {
                (';', _) => self.char_ref_end(ret)?,
                (_, Some(d)) => self.char_ref_digit(d, 10)?,
                _ => return Err(K::InvalidCharRef),
            },
            State::CharRefHex(ret) => match (c, c.to_digit(16)) {
                (';', _) => self.char_ref_end(ret)?,
                (_, Some(d)) => self.char_ref_digit(d, 16)?,
                _ => return Err(K::InvalidCharRef),
            },
        })
    }
}

/// Why [`Tokenizer::run`] stopped.
enum Stop<E> {
    Xml(XmlErrorKind),
    Callback(E),
}

/// A chunk being fed. On hosts, with the longest part of it that is UTF-8
/// from its first character on (past the end of a sequence begun in the
/// previous chunk), validated once per chunk for the text reported from
/// it (a run of text is made of whole characters, all in that part); the
/// compact build validates each run as it is reported instead (less code,
/// more time).
#[derive(Clone, Copy)]
struct Chunk<'c> {
    bytes: &'c [u8],
    /// Where `text` starts in `bytes`.
    #[cfg(not(cos_compact))]
    from: usize,
    #[cfg(not(cos_compact))]
    text: &'c str,
}

impl<'c> Chunk<'c> {
    fn new(bytes: &'c [u8]) -> Self {
        #[cfg(not(cos_compact))]
        {
            let from = crate::bytes::count(bytes.iter().take(3).take_while(|&&b| b & 0xC0 == 0x80));
            let tail = bytes.get(from..).unwrap_or_default();
            let text = match core::str::from_utf8(tail) {
                Ok(text) => text,
                Err(e) => tail
                    .get(..e.valid_up_to())
                    .and_then(|b| core::str::from_utf8(b).ok())
                    .unwrap_or_default(),
            };
            Self { bytes, from, text }
        }
        #[cfg(cos_compact)]
        Self { bytes }
    }

    /// `bytes[start..end]` as text, if it is UTF-8.
    #[inline(always)]
    fn text(self, start: usize, end: usize) -> Option<&'c str> {
        #[cfg(not(cos_compact))]
        return self
            .text
            .get(start.checked_sub(self.from)?..end.checked_sub(self.from)?);
        #[cfg(cos_compact)]
        core::str::from_utf8(self.bytes.get(start..end)?).ok()
    }
}

/// Reports the pending run of text, if any.
fn flush<E, F>(
    chunk: Chunk<'_>,
    run: &mut Option<(usize, usize)>,
    on: &mut F,
) -> Result<(), Stop<E>>
where
    F: FnMut(Event<'_>) -> Result<(), E>,
{
    if let Some((start, end)) = run.take() {
        let text = chunk
            .text(start, end)
            .ok_or(Stop::Xml(XmlErrorKind::InvalidUtf8))?;
        on(Event::Text(text)).map_err(Stop::Callback)?;
    }
    Ok(())
}

fn emit_char<E, F>(c: char, on: &mut F) -> Result<(), Stop<E>>
where
    F: FnMut(Event<'_>) -> Result<(), E>,
{
    let mut buf = [0u8; 4];
    on(Event::Text(c.encode_utf8(&mut buf))).map_err(Stop::Callback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq, Clone)]
    enum Ev {
        S(String),
        E(String),
        T(String),
    }

    /// What a tokenizer reported for a document fed in pieces: every
    /// event as it came (text pieces unmerged), what each `feed` returned,
    /// and where it ended.
    #[derive(Debug, PartialEq)]
    struct Trace {
        events: Vec<Ev>,
        fed: Vec<Result<(), XmlError>>,
        finish: Result<(), XmlError>,
        offset: usize,
        depth: usize,
        complete: bool,
    }

    fn trace(mut t: Tokenizer, pieces: &[&[u8]]) -> Trace {
        let mut events = Vec::new();
        let mut fed = Vec::new();
        for p in pieces {
            fed.push(t.feed(p, &mut |e| {
                events.push(match e {
                    Event::Start(n) => Ev::S(n.as_str().unwrap_or("?").into()),
                    Event::End(n) => Ev::E(n.as_str().unwrap_or("?").into()),
                    Event::Text(s) => {
                        assert!(!s.is_empty());
                        Ev::T(s.into())
                    }
                });
                Ok::<(), XmlError>(())
            }));
        }
        Trace {
            events,
            fed,
            finish: t.finish(),
            offset: t.offset(),
            depth: t.depth(),
            complete: t.is_complete(),
        }
    }

    /// Feeds `doc` in the given pieces; merges adjacent text.
    fn events_split(pieces: &[&[u8]]) -> Result<Vec<Ev>, XmlError> {
        let traced = trace(Tokenizer::new(), pieces);
        let mut out: Vec<Ev> = Vec::new();
        for e in traced.events {
            match (out.last_mut(), e) {
                (Some(Ev::T(t)), Ev::T(s)) => t.push_str(&s),
                (_, e) => out.push(e),
            }
        }
        let result = traced.fed.into_iter().collect::<Result<(), _>>();
        result.and(traced.finish).map(|()| out)
    }

    /// Parses whole, then at every split point and byte by byte, and
    /// checks all agree.
    fn events(doc: &str) -> Result<Vec<Ev>, XmlError> {
        let b = doc.as_bytes();
        let whole = events_split(&[b]);
        for i in 0..=b.len() {
            let (x, y) = b.split_at(i);
            assert_eq!(events_split(&[x, y]), whole, "split at {i} of {doc:?}");
        }
        let bytes: Vec<&[u8]> = b.chunks(1).collect();
        assert_eq!(events_split(&bytes), whole, "byte by byte: {doc:?}");
        whole
    }

    fn kind(doc: &str) -> XmlErrorKind {
        events(doc).unwrap_err().kind
    }

    fn s(n: &str) -> Ev {
        Ev::S(n.into())
    }
    fn e(n: &str) -> Ev {
        Ev::E(n.into())
    }
    fn t(x: &str) -> Ev {
        Ev::T(x.into())
    }

    #[test]
    fn simple_document() {
        assert_eq!(
            events("<a><b>x</b><c/></a>").unwrap(),
            vec![s("a"), s("b"), t("x"), e("b"), s("c"), e("c"), e("a")]
        );
    }

    #[test]
    fn prolog_tolerances() {
        let want = vec![s("r"), t("v"), e("r")];
        for doc in [
            "<r>v</r>",
            "\u{FEFF}<r>v</r>",
            "   \r\n\t <r>v</r>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><r>v</r>",
            "<?xml version='1.0' encoding='utf-8' ?>\n<r>v</r>",
            "\u{FEFF}  <?xml version=\"1.0\"?><r>v</r>",
            "<!-- c --><?pi data?><r>v</r><!-- after --> <?pi?>\n",
        ] {
            assert_eq!(events(doc).unwrap(), want, "{doc:?}");
        }
    }

    #[test]
    fn entities_and_references() {
        assert_eq!(
            events("<r>&quot;&amp;&lt;&gt;&apos;&#65;&#x42;&#x20AC;&#128512;&#0000065;</r>")
                .unwrap(),
            vec![s("r"), t("\"&<>'AB€😀A"), e("r")]
        );
        assert_eq!(
            events("<r a=\"&amp;&#x41;\" b='&lt;'>x</r>").unwrap(),
            vec![s("r"), t("x"), e("r")]
        );
    }

    #[test]
    fn line_ends_are_normalised() {
        assert_eq!(
            events("<r>a\r\nb\rc\n\r\nd&#13;</r>").unwrap(),
            vec![s("r"), t("a\nb\nc\n\nd\r"), e("r")]
        );
    }

    #[test]
    fn cdata_is_text() {
        assert_eq!(
            events("<r>a<![CDATA[<x>&amp;]] ]]]>b</r>").unwrap(),
            vec![s("r"), t("a<x>&amp;]] ]b"), e("r")]
        );
        assert_eq!(events("<r><![CDATA[]]></r>").unwrap(), vec![s("r"), e("r")]);
    }

    #[test]
    fn names_attributes_namespaces() {
        let ev = events(
            "<ns:Root xmlns:ns=\"urn:x\" a = 'b'\n\tc=\"d\" ><ns:ETag/><é.x-1 />\
             </ns:Root >",
        )
        .unwrap();
        assert_eq!(
            ev,
            vec![
                s("ns:Root"),
                s("ns:ETag"),
                e("ns:ETag"),
                s("é.x-1"),
                e("é.x-1"),
                e("ns:Root")
            ]
        );
        let mut t = Tokenizer::new();
        let mut locals = Vec::new();
        t.feed(b"<p:ETag></p:ETag>", &mut |e| {
            if let Event::Start(n) = e {
                locals.push((n.local().unwrap().to_string(), n.len()));
            }
            Ok::<_, XmlError>(())
        })
        .unwrap();
        assert_eq!(locals, vec![("ETag".to_string(), 6)]);
    }

    #[test]
    fn long_names_are_matched_but_not_shown() {
        let long = "n".repeat(MAX_NAME + 1);
        let doc = format!("<{long}>x</{long}>");
        assert_eq!(events(&doc).unwrap(), vec![s("?"), t("x"), e("?")]);
        let other = format!("{}m", "n".repeat(MAX_NAME));
        assert_eq!(
            kind(&format!("<{long}>x</{other}>")),
            XmlErrorKind::MismatchedTag
        );
    }

    #[test]
    fn nesting_limit() {
        let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
        assert!(events(&ok).is_ok());
        let deep = format!(
            "{}{}",
            "<a>".repeat(MAX_DEPTH + 1),
            "</a>".repeat(MAX_DEPTH + 1)
        );
        assert_eq!(
            events(&deep).unwrap_err(),
            XmlError {
                kind: XmlErrorKind::TooDeep,
                offset: 3 * MAX_DEPTH + 2
            }
        );
    }

    #[test]
    fn incomplete_is_never_success() {
        let doc = "<?xml version=\"1.0\"?><r><a>x</a></r>";
        for i in 0..doc.len() {
            let r = events_split(&[&doc.as_bytes()[..i]]);
            assert_eq!(
                r,
                Err(XmlError {
                    kind: XmlErrorKind::Incomplete,
                    offset: i
                }),
                "prefix {i}"
            );
        }
        assert!(events_split(&[doc.as_bytes()]).is_ok());
        for doc in ["<r/><!-- open", "<r/><?pi", "<r>\u{e9}</r>\u{e9}"] {
            let b = doc.as_bytes();
            let r = events_split(&[&b[..b.len() - 1]]).unwrap_err();
            assert_eq!(r.kind, XmlErrorKind::Incomplete, "{doc:?}");
        }
    }

    #[test]
    fn rejections() {
        use XmlErrorKind as K;
        let cases: &[(&str, K, usize)] = &[
            ("<a></b>", K::MismatchedTag, 6),
            ("<a><b></a></b>", K::MismatchedTag, 9),
            ("<ab></a>", K::MismatchedTag, 7),
            ("<a></a ><b/>", K::SecondRoot, 9),
            ("<a/><a/>", K::SecondRoot, 5),
            ("</a>", K::UnexpectedEndTag, 1),
            ("<a/></a>", K::UnexpectedEndTag, 5),
            ("x<a/>", K::TextOutsideRoot, 0),
            ("<a/>x", K::TextOutsideRoot, 4),
            ("<a>&nbsp;</a>", K::UnknownEntity, 8),
            ("<a>a & b</a>", K::UnknownEntity, 6),
            ("<a>&ampx;</a>", K::UnknownEntity, 8),
            ("<a>&#0;</a>", K::InvalidCharRef, 6),
            ("<a>&#xD800;</a>", K::InvalidCharRef, 10),
            ("<a>&#x110000;</a>", K::InvalidCharRef, 11),
            ("<a>&#000000065;</a>", K::InvalidCharRef, 13),
            ("<a>&#x1;</a>", K::InvalidCharRef, 7),
            ("<a>&#xFFFE;</a>", K::InvalidCharRef, 10),
            ("<a>&#;</a>", K::InvalidCharRef, 5),
            ("<a>&#x;</a>", K::InvalidCharRef, 6),
            ("<a>&#12a;</a>", K::InvalidCharRef, 7),
            ("<a>\u{1}</a>", K::InvalidChar, 3),
            ("<a>\u{7f}ok\u{0}</a>", K::InvalidChar, 6),
            ("<a>\u{FFFF}</a>", K::InvalidChar, 3),
            ("<a>x\u{FEFF}</a>\u{FEFF}", K::TextOutsideRoot, 11),
            ("<!DOCTYPE a><a/>", K::Doctype, 2),
            ("<a/><!DOCTYPE a>", K::Doctype, 6),
            ("<a/><?xml version='1.0'?>", K::Declaration, 9),
            ("<!-- c --><?xml version='1.0'?><a/>", K::Declaration, 15),
            ("<?XML version='1.0'?><a/>", K::Declaration, 5),
            ("<!-- a -- b --><a/>", K::UnexpectedChar, 9),
            ("<a x='1'y='2'/>", K::UnexpectedChar, 8),
            ("<a x=1/>", K::UnexpectedChar, 5),
            ("<a x='<'/>", K::UnexpectedChar, 6),
            ("<a x='&bad;'/>", K::UnknownEntity, 10),
            ("< a/>", K::UnexpectedChar, 1),
            ("<a/ >", K::UnexpectedChar, 3),
            ("<a></ a>", K::UnexpectedChar, 5),
            ("<![CDATA[x]]><a/>", K::UnexpectedChar, 2),
            ("<a><![CDATX[x]]></a>", K::UnexpectedChar, 10),
            ("<a><? pi?></a>", K::UnexpectedChar, 5),
        ];
        for &(doc, kind, offset) in cases {
            assert_eq!(events(doc), Err(XmlError { kind, offset }), "{doc:?}");
        }
    }

    #[test]
    fn invalid_utf8() {
        for bad in [
            &b"<a>\xff</a>"[..],
            b"<a>\xc0\x80</a>",
            b"<a>\xed\xa0\x80</a>",
            b"<a>\xe0\x80\x80</a>",
            b"<a>\xf4\x90\x80\x80</a>",
            b"<a>\xe2\x82</a>",
            b"<\xc3a/>",
        ] {
            let whole = events_split(&[bad]).unwrap_err();
            assert_eq!(whole.kind, XmlErrorKind::InvalidUtf8, "{bad:?}");
            for i in 0..=bad.len() {
                let (x, y) = bad.split_at(i);
                assert_eq!(events_split(&[x, y]).unwrap_err(), whole);
            }
        }
        // A sequence split across chunks is fine.
        assert_eq!(
            events_split(&[b"<a>\xe2", b"\x82", b"\xac</a>"]).unwrap(),
            vec![s("a"), t("€"), e("a")]
        );
    }

    #[test]
    fn errors_stick_and_callback_errors_abort() {
        let mut t = Tokenizer::new();
        let r = t.feed(b"<a></b>", &mut |_| Ok::<_, XmlError>(()));
        assert_eq!(r.unwrap_err().kind, XmlErrorKind::MismatchedTag);
        let r = t.feed(b"</a>", &mut |_| Ok::<_, XmlError>(()));
        assert_eq!(r.unwrap_err().kind, XmlErrorKind::MismatchedTag);
        assert_eq!(t.finish().unwrap_err().kind, XmlErrorKind::MismatchedTag);

        #[derive(Debug, PartialEq)]
        enum Mine {
            Stop,
            Xml(XmlError),
        }
        impl From<XmlError> for Mine {
            fn from(e: XmlError) -> Self {
                Self::Xml(e)
            }
        }
        let mut t = Tokenizer::new();
        let mut seen = 0;
        let r = t.feed(b"<a><b/></a>", &mut |_| {
            seen += 1;
            if seen == 2 { Err(Mine::Stop) } else { Ok(()) }
        });
        assert_eq!(r, Err(Mine::Stop));
        assert_eq!(seen, 2);
        assert_eq!(t.finish().unwrap_err().kind, XmlErrorKind::Aborted);
    }

    #[test]
    fn text_pieces_borrow_the_chunk() {
        // A long run of text arrives as one piece, not per character.
        let mut t = Tokenizer::new();
        let mut pieces = Vec::new();
        t.feed("<a>hello wörld &amp; more</a>".as_bytes(), &mut |e| {
            if let Event::Text(s) = e {
                pieces.push(s.to_string());
            }
            Ok::<_, XmlError>(())
        })
        .unwrap();
        assert_eq!(pieces, vec!["hello wörld ", "&", " more"]);
    }

    /// Found by the `xml` fuzz target: text before a bad byte used to be
    /// reported only if a chunk ended in between, so a reader's error
    /// (a value too long) or the tokenizer's (invalid UTF-8) won
    /// depending on the split.
    #[test]
    fn text_before_an_error_is_reported_whatever_the_split() {
        let doc = b"<a>xyz\xff</a>";
        for split in 0..=doc.len() {
            let mut t = Tokenizer::new();
            let mut text = String::new();
            let mut on = |e: Event<'_>| {
                if let Event::Text(s) = e {
                    text.push_str(s);
                }
                Ok::<_, XmlError>(())
            };
            let (a, b) = doc.split_at(split);
            let r = t.feed(a, &mut on).and_then(|()| t.feed(b, &mut on));
            assert_eq!(
                r,
                Err(XmlError {
                    kind: XmlErrorKind::InvalidUtf8,
                    offset: 6
                })
            );
            assert_eq!(text, "xyz", "split at {split}");
        }
    }

    /// Every sample response, whole, at every split and byte by byte:
    /// the same events and the same end (where the accelerator's runs
    /// start and stop differs with the split).
    #[test]
    fn sample_responses_at_every_split() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/responses");
        let mut seen = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml") {
                let doc = std::fs::read(&path).unwrap();
                let whole = trace(Tokenizer::new(), &[&doc]);
                for i in 0..=doc.len() {
                    let (x, y) = doc.split_at(i);
                    let split = trace(Tokenizer::new(), &[x, y]);
                    assert_eq!(
                        (merged(&split.events), &split.finish, split.complete),
                        (merged(&whole.events), &whole.finish, whole.complete),
                        "{path:?} split at {i}"
                    );
                }
                let bytes: Vec<&[u8]> = doc.chunks(1).collect();
                assert_eq!(events_split(&bytes), events_split(&[&doc]), "{path:?}");
                seen += 1;
            }
        }
        assert!(seen >= 30, "{seen}");
    }

    /// Events with adjacent text merged.
    fn merged(events: &[Ev]) -> Vec<Ev> {
        let mut out: Vec<Ev> = Vec::new();
        for e in events {
            match (out.last_mut(), e) {
                (Some(Ev::T(t)), Ev::T(s)) => t.push_str(s),
                (_, e) => out.push(e.clone()),
            }
        }
        out
    }

    proptest::proptest! {
        /// Documents made of the pieces where the accelerator starts and
        /// stops (tags, text, CR and CR LF, non-ASCII, entities, comments,
        /// instructions, CDATA, attributes, controls, invalid UTF-8),
        /// valid or not, fed whole, in random pieces and byte by byte: the
        /// same events, the same error at the same offset.
        #[test]
        fn any_split_is_the_same_document(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                &b"<a>"[..], b"</a>", b"<b/>", b"<b />", b"<ns:ETag>", b"</ns:ETag>",
                b"</ns:ETag >", b"<r x='1' y=\"&amp;\">", b"</r>", b"<a\n\t>", b"</a\r\n>",
                b"text", b"\"ba82\"", b" ", b"\t", b"\n", b"\r", b"\r\n", b"\xc3\xa9",
                b"\xe2\x82\xac", b"\xef\xbb\xbf", b"&amp;", b"&quot;", b"&#x41;", b"&#65;",
                b"&bad;", b"&", b"<!-- c -->", b"<!--", b"-->", b"<![CDATA[x]]y]]>",
                b"]]>", b"<?pi data?>", b"<?xml version='1.0'?>", b"<?xml", b"?>", b"<",
                b">", b"/", b"?", b"=", b"'", b"\x01", b"\x7f", b"\xff", b"\xc3",
                b"<\xc3\xa9l\xc3\xa9ment>", b"</\xc3\xa9l\xc3\xa9ment>", b"<!DOCTYPE a>",
                b"abcdefghijklmnopqrstuvwxyz0123456789", b"<LongElementNameOfSeventeenPlus>",
            ]), 0..24),
            cuts in proptest::collection::vec(0usize..600, 0..6),
        ) {
            let doc: Vec<u8> = parts.concat();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(doc.len())).collect();
            cuts.sort_unstable();
            let mut pieces = Vec::new();
            let mut from = 0;
            for c in cuts {
                pieces.push(&doc[from..c]);
                from = c;
            }
            pieces.push(&doc[from..]);
            let whole = events_split(&[&doc]);
            proptest::prop_assert_eq!(&events_split(&pieces), &whole);
            let bytes: Vec<&[u8]> = doc.chunks(1).collect();
            proptest::prop_assert_eq!(&events_split(&bytes), &whole);
        }
    }

    #[test]
    fn state_is_small_and_fixed() {
        assert!(
            core::mem::size_of::<Tokenizer>() <= 256,
            "{}",
            core::mem::size_of::<Tokenizer>()
        );
    }

    #[test]
    fn completion_is_reported() {
        let mut t = Tokenizer::new();
        t.feed(b"<a>", &mut |_| Ok::<_, XmlError>(())).unwrap();
        assert!(!t.is_complete());
        assert_eq!(t.depth(), 1);
        t.feed(b"</a>  ", &mut |_| Ok::<_, XmlError>(())).unwrap();
        assert!(t.is_complete());
        assert_eq!(t.offset(), 9);
        assert_eq!(t.finish(), Ok(()));
        for empty in [&b""[..], b"   ", b"\xef\xbb\xbf", b"<?xml version='1.0'?>"] {
            let mut t = Tokenizer::new();
            t.feed(empty, &mut |_| Ok::<_, XmlError>(())).unwrap();
            assert_eq!(t.finish().unwrap_err().kind, XmlErrorKind::Incomplete);
        }
    }
}
