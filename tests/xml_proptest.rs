//! Property test: on generated well-formed documents, fed in random
//! pieces, the tokenizer reports the same elements and decoded text as
//! `xmlparser` does on the whole document, and as the generator intended.

use proptest::prelude::*;
use tencent_cos_core::xml::{Event, MAX_DEPTH, Tokenizer, XmlError};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Start(String),
    End(String),
    Text(String),
}

fn push_text(out: &mut Vec<Ev>, s: &str) {
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

fn document() -> impl Strategy<Value = (String, Vec<Ev>)> {
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

// ---------------------------------------------------------------- oracles

/// XML line-end normalisation, then references: what the text means.
fn unescape(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n").replace('\r', "\n");
    let mut out = String::new();
    let mut rest = raw.as_str();
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let j = rest[i..].find(';').unwrap() + i;
        let name = &rest[i + 1..j];
        let c = match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with("#x") => {
                char::from_u32(u32::from_str_radix(&n[2..], 16).unwrap()).unwrap()
            }
            n if n.starts_with('#') => char::from_u32(n[1..].parse().unwrap()).unwrap(),
            n => panic!("entity {n}"),
        };
        out.push(c);
        rest = &rest[j + 1..];
    }
    out.push_str(rest);
    out
}

fn xmlparser_events(doc: &str) -> Vec<Ev> {
    use xmlparser::{ElementEnd, Token};
    let mut out = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut pending: Option<String> = None;
    let qname = |p: &str, l: &str| {
        if p.is_empty() {
            l.to_string()
        } else {
            format!("{p}:{l}")
        }
    };
    for token in xmlparser::Tokenizer::from(doc) {
        match token.unwrap() {
            Token::ElementStart { prefix, local, .. } => {
                let n = qname(prefix.as_str(), local.as_str());
                out.push(Ev::Start(n.clone()));
                pending = Some(n);
            }
            Token::ElementEnd { end, .. } => match end {
                ElementEnd::Open => open.push(pending.take().unwrap()),
                ElementEnd::Empty => out.push(Ev::End(pending.take().unwrap())),
                ElementEnd::Close(p, l) => {
                    let n = qname(p.as_str(), l.as_str());
                    assert_eq!(open.pop().as_deref(), Some(n.as_str()));
                    out.push(Ev::End(n));
                }
            },
            Token::Text { text } if !open.is_empty() => {
                push_text(&mut out, &unescape(text.as_str()));
            }
            Token::Cdata { text, .. } => {
                push_text(
                    &mut out,
                    &text.as_str().replace("\r\n", "\n").replace('\r', "\n"),
                );
            }
            _ => {}
        }
    }
    assert!(open.is_empty());
    out
}

fn ours(doc: &[u8], splits: &[usize]) -> Result<Vec<Ev>, XmlError> {
    let mut cuts: Vec<usize> = splits.iter().map(|s| s % (doc.len() + 1)).collect();
    cuts.sort_unstable();
    let mut t = Tokenizer::new();
    let mut out = Vec::new();
    let mut at = 0;
    for cut in cuts.into_iter().chain([doc.len()]) {
        t.feed(&doc[at..cut], &mut |e| {
            match e {
                Event::Start(n) => out.push(Ev::Start(n.as_str().unwrap().to_string())),
                Event::End(n) => out.push(Ev::End(n.as_str().unwrap().to_string())),
                Event::Text(s) => push_text(&mut out, s),
            }
            Ok::<_, XmlError>(())
        })?;
        at = cut;
    }
    t.finish()?;
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn matches_xmlparser_in_any_pieces(
        (doc, expect) in document(),
        splits in prop::collection::vec(any::<usize>(), 0..12),
    ) {
        let oracle = xmlparser_events(&doc);
        prop_assert_eq!(&oracle, &expect, "generator and xmlparser disagree on {:?}", doc);
        let got = ours(doc.as_bytes(), &splits);
        prop_assert_eq!(got.as_ref(), Ok(&expect), "document {:?}", doc);
    }

    #[test]
    fn every_proper_prefix_is_incomplete_or_wrong((doc, _) in document()) {
        // No prefix of a document is ever reported as complete.
        let b = doc.as_bytes();
        let root_end = doc.trim_end_matches([' ', '\t', '\n']).len();
        for i in 0..root_end {
            let mut t = Tokenizer::new();
            let fed = t.feed(&b[..i], &mut |_| Ok::<_, XmlError>(()));
            prop_assert!(fed.is_ok(), "prefix {} of {:?}: {:?}", i, doc, fed);
            prop_assert!(t.finish().is_err(), "prefix {} of {:?} accepted", i, doc);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..200),
        splits in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let whole = ours(&bytes, &[]);
        prop_assert_eq!(ours(&bytes, &splits), whole);
    }
}
