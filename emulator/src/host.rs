//! The bucket a `Host` header names.

use tencent_cos_core::{Domain, HostKind};

/// The bucket and region a COS host names, port and case ignored:
/// `<bucket>.<kind>.<region>.<domain>` with a kind the crate knows (`cos`,
/// `cos-internal`, `cosv6`, `cos-cdc`) and a domain it knows
/// (`myqcloud.com`, `tencentcos.cn`), or the global acceleration host
/// `<bucket>.cos.accelerate.myqcloud.com`, which names no region.
pub(crate) fn bucket_of(host: &str) -> Option<(String, Option<String>)> {
    let host = host.to_ascii_lowercase();
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host.as_str(),
    };
    let (bucket, rest) = host.split_once('.')?;
    if bucket.is_empty() {
        return None;
    }
    if rest == "cos.accelerate.myqcloud.com" {
        return Some((bucket.to_owned(), None));
    }
    let (kind, rest) = rest.split_once('.')?;
    HostKind::from_label(kind)?;
    let (region, domain) = rest.split_once('.')?;
    Domain::from_name(domain)?;
    if region.is_empty() {
        return None;
    }
    Some((bucket.to_owned(), Some(region.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_form_names_its_bucket() {
        let b = |h| bucket_of(h);
        let named = |r: &str| Some(("examplebucket-1250000000".to_owned(), Some(r.to_owned())));
        assert_eq!(
            b("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"),
            named("ap-guangzhou")
        );
        assert_eq!(
            b("ExampleBucket-1250000000.COS.ap-guangzhou.myqcloud.com:9000"),
            named("ap-guangzhou")
        );
        assert_eq!(
            b("examplebucket-1250000000.cos-internal.ap-beijing.tencentcos.cn"),
            named("ap-beijing")
        );
        assert_eq!(
            b("examplebucket-1250000000.cos.ap-beijing.tencentcos.cn"),
            named("ap-beijing")
        );
        assert_eq!(
            b("examplebucket-1250000000.cos.accelerate.myqcloud.com"),
            Some(("examplebucket-1250000000".to_owned(), None))
        );
        for bad in [
            "127.0.0.1:9000",
            "examplebucket-1250000000.cos.ap-guangzhou.example.com",
            "examplebucket-1250000000.cdn.ap-guangzhou.myqcloud.com",
            "examplebucket-1250000000.cos..myqcloud.com",
            ".cos.ap-guangzhou.myqcloud.com",
            "",
        ] {
            assert_eq!(b(bad), None, "{bad}");
        }
    }
}
