//! A request head as a server reads it: method, decoded path and params,
//! headers; and the server's check of its signature.

// Shared by several test crates: each uses a different part.
#![allow(dead_code)]

use tencent_cos_core::{Authorization, CanonicalRequest, VerifyError, VerifyPolicy};

/// Percent-decodes `s` (every `%XX`; nothing else changes).
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// A parsed request head.
pub struct Head {
    pub method: String,
    /// Decoded, with its leading `/`.
    pub path: String,
    /// Decoded.
    pub params: Vec<(String, String)>,
    /// As sent, `Authorization` included.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// Reads a whole head (request line, headers, blank line), checking
    /// that the path is sent encoded and without dot segments.
    pub fn parse(head: &str) -> Self {
        let body = head.strip_suffix("\r\n\r\n").unwrap();
        let mut lines = body.split("\r\n");
        let (method, rest) = lines.next().unwrap().split_once(' ').unwrap();
        let target = rest.strip_suffix(" HTTP/1.1").unwrap();
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        assert!(
            path.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~/%".contains(&b)),
            "{path}"
        );
        assert!(
            !path[1..].split('/').any(|s| s == "." || s == ".."),
            "{path}"
        );
        let params = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (n, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(n), decode(v))
            })
            .collect();
        let headers = lines
            .map(|l| {
                let (n, v) = l.split_once(": ").unwrap();
                (n.to_string(), v.to_string())
            })
            .collect();
        Self {
            method: method.to_string(),
            path: decode(path),
            params,
            headers,
        }
    }

    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of a parameter.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The params as `&str` pairs.
    pub fn param_pairs(&self) -> Vec<(&str, &str)> {
        self.params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    /// The headers as `&str` pairs, `Authorization` left out.
    pub fn signed_pairs(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .filter(|(n, _)| !n.eq_ignore_ascii_case("authorization"))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect()
    }

    /// Checks the `Authorization` header with `secret_key` at `now`.
    /// `None` if there is no readable one.
    pub fn verify(
        &self,
        secret_key: &str,
        now: u64,
        policy: &VerifyPolicy<'_>,
    ) -> Option<Result<Authorization<'_>, VerifyError>> {
        let auth = Authorization::parse(self.header("Authorization")?).ok()?;
        let (params, headers) = (self.param_pairs(), self.signed_pairs());
        let request = CanonicalRequest::new(&self.method, &self.path, &params, &headers);
        Some(
            auth.verify(&request, secret_key, now, policy)
                .map(|()| auth),
        )
    }
}
