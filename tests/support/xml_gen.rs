//! The generator of well-formed XML documents shared by the library's
//! `tests/xml_proptest.rs` and the bench's `tests/xml_generator.rs` (which
//! checks it against `xmlparser`, a crate the library's tests do not
//! build): a document and the events it means, the elements, the decoded
//! text.

use proptest::prelude::*;
use tencent_cos_core::xml::MAX_DEPTH;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Start(String),
    End(String),
    Text(String),
}

pub fn push_text(out: &mut Vec<Ev>, s: &str) {
    if s.is_empty() {
        return;
    }
    if let Some(Ev::Text(t)) = out.last_mut() {
        t.push_str(s);
    } else {
        out.push(Ev::Text(s.to_string()));
    }
}

// ---------------------------------------------------------------- generator

#[derive(Debug, Clone)]
enum Node {
    Element(Element),
    /// Decoded text and how each character is written.
    Text(Vec<(char, Enc)>),
    Comment(String),
    Cdata(String),
    Pi(String),
}

#[derive(Debug, Clone)]
struct Element {
    name: String,
    attrs: Vec<Attr>,
    children: Vec<Node>,
    self_close: bool,
    /// Whitespace before `>` or `/>`, and inside the end tag.
    pad: (String, String),
}

#[derive(Debug, Clone, Copy)]
enum Enc {
    Literal,
    Named,
    Dec,
    Hex,
    /// For `\n`: written as CR LF or as a lone CR.
    CrLf,
    Cr,
}

fn name() -> impl Strategy<Value = String> {
    let local = prop_oneof![
        4 => "[A-Za-z_][A-Za-z0-9_.-]{0,10}",
        1 => Just("ETag".to_string()),
        1 => Just("éléments".to_string()),
        1 => Just("名前".to_string()),
    ];
    (prop::option::weighted(0.2, "[a-z]{1,3}"), local).prop_map(|(p, l)| match p {
        Some(p) => format!("{p}:{l}"),
        None => l,
    })
}

fn text_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::char::range('a', 'z'),
        2 => Just(' '),
        1 => Just('\t'),
        1 => Just('\n'),
        1 => Just('\r'),
        1 => Just('<'),
        1 => Just('>'),
        1 => Just('&'),
        1 => Just('"'),
        1 => Just('\''),
        1 => Just(']'),
        1 => Just('é'),
        1 => Just('中'),
        1 => Just('😀'),
        1 => Just('\u{FEFF}'),
    ]
}

fn enc() -> impl Strategy<Value = Enc> {
    prop_oneof![
        6 => Just(Enc::Literal),
        1 => Just(Enc::Named),
        1 => Just(Enc::Dec),
        1 => Just(Enc::Hex),
        1 => Just(Enc::CrLf),
        1 => Just(Enc::Cr),
    ]
}

fn encoded_text(max: usize) -> impl Strategy<Value = Vec<(char, Enc)>> {
    prop::collection::vec((text_char(), enc()), 0..max)
}

fn plain(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::char::range('a', 'z'),
            Just(' '),
            Just('\n'),
            Just('<'),
            Just('&'),
            Just('é')
        ],
        0..max,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn ws() -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![Just(' '), Just('\t'), Just('\n')], 0..3)
        .prop_map(|v| v.into_iter().collect())
}

type Attr = (String, char, Vec<(char, Enc)>);

fn attrs() -> impl Strategy<Value = Vec<Attr>> {
    prop::collection::vec(
        (
            "[a-z][a-z0-9_-]{0,6}",
            prop_oneof![Just('"'), Just('\'')],
            encoded_text(8),
        ),
        0..3,
    )
}

fn element() -> impl Strategy<Value = Element> {
    let leaf = (name(), attrs(), any::<bool>(), (ws(), ws())).prop_map(
        |(name, attrs, self_close, pad)| Element {
            name,
            attrs,
            children: vec![],
            self_close,
            pad,
        },
    );
    leaf.prop_recursive(MAX_DEPTH as u32 - 1, 48, 6, move |inner| {
        let child = prop_oneof![
            4 => inner.prop_map(Node::Element),
            4 => encoded_text(12).prop_map(Node::Text),
            1 => plain(10).prop_map(|s| Node::Comment(s.replace('-', "_"))),
            1 => plain(10).prop_map(|s| Node::Cdata(s.replace(']', ")"))),
            1 => plain(6).prop_map(|s| Node::Pi(s.replace('?', "."))),
        ];
        (
            name(),
            attrs(),
            prop::collection::vec(child, 0..6),
            (ws(), ws()),
        )
            .prop_map(|(name, attrs, children, pad)| Element {
                name,
                attrs,
                children,
                self_close: false,
                pad,
            })
    })
}

/// Writes one character of text or of an attribute value.
fn write_char(out: &mut String, c: char, e: Enc, quote: Option<char>) {
    let must_escape = matches!(c, '<' | '&' | '\r' | '>') || Some(c) == quote;
    let e = match (e, c) {
        (Enc::CrLf | Enc::Cr, '\n') if quote.is_none() => e,
        (Enc::CrLf | Enc::Cr, _) => Enc::Dec,
        (Enc::Literal, _) if must_escape => Enc::Hex,
        // In an attribute value, whitespace is normalised: write it as a
        // reference so that the value is unaffected (values are not
        // compared, but stay well-formed either way).
        (Enc::Named, c) if !matches!(c, '<' | '>' | '&' | '"' | '\'') => Enc::Dec,
        (e, _) => e,
    };
    match e {
        Enc::Literal => out.push(c),
        Enc::Named => out.push_str(match c {
            '<' => "&lt;",
            '>' => "&gt;",
            '&' => "&amp;",
            '"' => "&quot;",
            _ => "&apos;",
        }),
        Enc::Dec => out.push_str(&format!("&#{};", c as u32)),
        Enc::Hex => out.push_str(&format!("&#x{:X};", c as u32)),
        Enc::CrLf => out.push_str("\r\n"),
        Enc::Cr => out.push('\r'),
    }
}

fn render(e: &Element, out: &mut String, expect: &mut Vec<Ev>) {
    out.push('<');
    out.push_str(&e.name);
    for (n, q, v) in &e.attrs {
        out.push(' ');
        out.push_str(n);
        out.push('=');
        out.push(*q);
        for &(c, enc) in v {
            write_char(out, c, enc, Some(*q));
        }
        out.push(*q);
    }
    out.push_str(&e.pad.0);
    expect.push(Ev::Start(e.name.clone()));
    if e.self_close && e.children.is_empty() {
        out.push_str("/>");
        expect.push(Ev::End(e.name.clone()));
        return;
    }
    out.push('>');
    let mut last_cr = false;
    for child in &e.children {
        match child {
            Node::Element(c) => {
                render(c, out, expect);
                last_cr = false;
            }
            Node::Text(t) => {
                for &(c, enc) in t {
                    // A literal LF right after a lone CR would be folded
                    // into it; write it as a reference then.
                    let enc = if last_cr && c == '\n' && matches!(enc, Enc::Literal | Enc::CrLf) {
                        Enc::Dec
                    } else {
                        enc
                    };
                    let before = out.len();
                    write_char(out, c, enc, None);
                    last_cr = out[before..].ends_with('\r');
                    let mut s = [0u8; 4];
                    push_text(expect, c.encode_utf8(&mut s));
                }
            }
            Node::Comment(c) => {
                out.push_str("<!--");
                out.push_str(c);
                out.push_str(" -->");
                last_cr = false;
            }
            Node::Cdata(c) => {
                out.push_str("<![CDATA[");
                out.push_str(c);
                out.push_str("]]>");
                push_text(expect, c);
                last_cr = false;
            }
            Node::Pi(p) => {
                out.push_str("<?pi ");
                out.push_str(p);
                out.push_str("?>");
                last_cr = false;
            }
        }
    }
    out.push_str("</");
    out.push_str(&e.name);
    out.push_str(&e.pad.1);
    out.push('>');
    expect.push(Ev::End(e.name.clone()));
}

pub fn document() -> impl Strategy<Value = (String, Vec<Ev>)> {
    (
        any::<bool>(),
        prop::option::of(prop_oneof![
            Just("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"),
            Just("<?xml version='1.0' encoding='utf-8' ?>"),
            Just("<?xml version=\"1.0\"?>"),
        ]),
        ws(),
        prop::option::of(plain(8)),
        element(),
        ws(),
    )
        .prop_map(|(bom, decl, ws1, comment, root, ws2)| {
            let mut out = String::new();
            let mut expect = Vec::new();
            if bom {
                out.push('\u{FEFF}');
            }
            if let Some(d) = decl {
                out.push_str(d);
            }
            out.push_str(&ws1);
            if let Some(c) = comment {
                out.push_str("<!--");
                out.push_str(&c.replace('-', "_"));
                out.push_str("-->");
            }
            render(&root, &mut out, &mut expect);
            out.push_str(&ws2);
            (out, expect)
        })
}
