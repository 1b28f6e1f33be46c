//! `condition`: `ETag::new` and `CopyCondition::from_headers` on arbitrary
//! input against reference readings (exact errors included), headers →
//! parse round trips, and `allows` against RFC 7232's rules.

use super::input::Input;
use tencent_cos_core::{ConditionError, CopyCondition, DateError, ETag};
use tencent_cos_core::{ConditionHeader, ETagError};
use tencent_cos_core::{MAX_UNIX, parse_http_date};

const NAMES: &[&str] = &[
    "x-cos-copy-source-If-Modified-Since",
    "x-cos-copy-source-if-unmodified-since",
    "X-COS-COPY-SOURCE-IF-MATCH",
    "x-cos-copy-source-If-None-Match",
    "Host",
    "x-cos-copy-source-If-Match ",
];
const VALUES: &[&str] = &[
    "\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"",
    "W/\"v1\"",
    "*",
    "W/*",
    "\"",
    "\"\"",
    "\"a b\"",
    " \"x\"\t",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    " Sun, 06 Nov 1994 08:49:37 GMT ",
    "Fri, 31 Dec 9999 23:59:59 GMT",
    "",
];

fn reference_etag(s: &str) -> Result<&str, ETagError> {
    if s.is_empty() {
        return Err(ETagError::Empty);
    }
    let quoted = s.strip_prefix("W/").unwrap_or(s);
    if quoted == "*" {
        return Err(ETagError::Wildcard);
    }
    let inner = match quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
        Some(i) if quoted.len() >= 2 => i,
        _ => return Err(ETagError::Unquoted),
    };
    if inner
        .bytes()
        .all(|b| b == 0x21 || (0x23..=0x7e).contains(&b))
    {
        Ok(inner)
    } else {
        Err(ETagError::InvalidByte)
    }
}

fn check_etag(s: &str) {
    let got = ETag::new(s);
    assert_eq!(got.map(|e| e.opaque()), reference_etag(s), "{s:?}");
    if let Ok(e) = got {
        assert_eq!(e.as_str(), s);
        assert_eq!(e.to_string(), s);
        assert_eq!(e.is_weak(), s.starts_with("W/"));
        assert!(e.weak_eq(&e));
        assert_eq!(e.strong_eq(&e), !e.is_weak());
    }
}

/// The combinations COS takes, read from the four slots.
fn reference_from_headers<'a>(
    headers: &[(&str, &'a str)],
) -> Result<CopyCondition<'a>, ConditionError> {
    use ConditionHeader as H;
    let mut slots: [Option<&'a str>; 4] = [None; 4];
    for (name, value) in headers {
        let Some(i) = H::ALL
            .iter()
            .position(|h| h.name().eq_ignore_ascii_case(name))
        else {
            continue;
        };
        if slots[i].is_some() {
            return Err(ConditionError::Duplicate { header: H::ALL[i] });
        }
        slots[i] = Some(value.trim_matches([' ', '\t']));
    }
    let date = |h: H, v: &str| {
        parse_http_date(v).map_err(|error| ConditionError::Date { header: h, error })
    };
    let etag = |h: H, v: &'a str| {
        reference_etag(v)
            .map_err(|error| ConditionError::ETag { header: h, error })
            .map(|_| ETag::new(v).expect("reference agrees"))
    };
    Ok(match slots {
        [None, None, None, None] => CopyCondition::None,
        [Some(d), None, None, None] => CopyCondition::ModifiedSince(date(H::IfModifiedSince, d)?),
        [None, Some(d), None, None] => {
            CopyCondition::UnmodifiedSince(date(H::IfUnmodifiedSince, d)?)
        }
        [None, None, Some(e), None] => CopyCondition::Match(etag(H::IfMatch, e)?),
        [None, None, None, Some(e)] => CopyCondition::NoneMatch(etag(H::IfNoneMatch, e)?),
        [Some(d), None, None, Some(e)] => CopyCondition::NoneMatchModifiedSince {
            etag: etag(H::IfNoneMatch, e)?,
            since: date(H::IfModifiedSince, d)?,
        },
        [None, Some(d), Some(e), None] => CopyCondition::MatchUnmodifiedSince {
            etag: etag(H::IfMatch, e)?,
            since: date(H::IfUnmodifiedSince, d)?,
        },
        _ => return Err(ConditionError::Conflict),
    })
}

/// Sent, then read back: the same condition.
fn round_trip(c: &CopyCondition<'_>) {
    let dates = [c.modified_since(), c.unmodified_since()];
    let h = c.headers();
    if dates.iter().flatten().any(|&t| t > MAX_UNIX) {
        assert_eq!(h, Err(DateError::OutOfRange));
        return;
    }
    let h = h.expect("dates in range");
    let pairs: Vec<(&str, &str)> = h.iter().collect();
    assert_eq!(h.len(), pairs.len());
    assert_eq!(h.is_empty(), pairs.is_empty());
    let etags = [c.if_match(), c.if_none_match()];
    assert_eq!(
        pairs.len(),
        dates.iter().flatten().count() + etags.iter().flatten().count()
    );
    assert_eq!(CopyCondition::from_headers(&pairs), Ok(*c));
}

/// RFC 7232, written out.
fn reference_allows(c: &CopyCondition<'_>, source: &str, modified: u64) -> bool {
    let (weak, opaque) = match reference_etag(source) {
        Ok(inner) => (source.starts_with("W/"), inner),
        Err(_) => (false, source),
    };
    if let Some(e) = c.if_match() {
        return !e.is_weak() && !weak && e.opaque() == opaque;
    }
    if let Some(e) = c.if_none_match() {
        return e.opaque() != opaque;
    }
    if let Some(t) = c.modified_since() {
        return modified > t;
    }
    if let Some(t) = c.unmodified_since() {
        return modified <= t;
    }
    true
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let etag_text = input.word_or_text(VALUES, 40);
    check_etag(&etag_text);

    let n = input.below(5);
    let headers: Vec<(String, String)> = (0..n)
        .map(|_| {
            (
                input.word_or_text(NAMES, 40),
                input.word_or_text(VALUES, 40),
            )
        })
        .collect();
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let got = CopyCondition::from_headers(&pairs);
    assert_eq!(got, reference_from_headers(&pairs), "{pairs:?}");
    let source = input.word_or_text(VALUES, 40);
    let modified = input.number();
    if let Ok(c) = got {
        round_trip(&c);
        assert_eq!(
            c.allows(&source, modified),
            reference_allows(&c, &source, modified),
            "{c:?} {source:?} {modified}"
        );
    }

    // Built from parts.
    if let Ok(e) = ETag::new(&etag_text) {
        let t = input.number();
        let c = match input.below(7) {
            0 => CopyCondition::None,
            1 => CopyCondition::ModifiedSince(t),
            2 => CopyCondition::UnmodifiedSince(t),
            3 => CopyCondition::Match(e),
            4 => CopyCondition::NoneMatch(e),
            5 => CopyCondition::NoneMatchModifiedSince { etag: e, since: t },
            _ => CopyCondition::MatchUnmodifiedSince { etag: e, since: t },
        };
        round_trip(&c);
        assert_eq!(
            c.allows(&source, modified),
            reference_allows(&c, &source, modified)
        );
    }
}
