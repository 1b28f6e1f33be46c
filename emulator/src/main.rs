//! `cos-emulator`: a local COS on this machine, every request verified.
//!
//! ```text
//! cargo run -p cos-emulator -- --port 9000
//! cargo run -p cos-emulator -- --help
//! ```

use cos_emulator::{Account, Config, Emulator, Logged, Policy, offset_clock};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

const HELP: &str = "\
cos-emulator: a local Tencent Cloud COS for testing clients. Every request's
signature is verified by tencent-cos-core; a mismatch answers
SignatureDoesNotMatch with the server's StringToSign and FormatString.

USAGE:
    cargo run -p cos-emulator -- [OPTIONS]

OPTIONS:
    --port N             port to listen on (default 9000; 0: any free port)
    --bind ADDR          address to listen on (default 127.0.0.1)
    --dir PATH           keep objects under PATH (default: in memory)
    --policy cos|strict  what a signature must cover (default cos: what COS
                         demands; strict: host and every param signed)
    --bucket NAME-APPID@REGION
                         a bucket (repeat for more; default
                         examplebucket-1250000000@ap-guangzhou and
                         sourcebucket-1250000000@ap-guangzhou)
    --secret-id ID       the SecretId accepted (default: the emulator's)
    --secret-key KEY     its SecretKey (default: the emulator's)
    --token TOKEN        require this security token (temporary credentials)
    --account ID:KEY[:TOKEN]
                         accept another key pair too (repeat for more)
    --clock-offset SECS  run the clock this far ahead (negative: behind)
    --quiet              do not print a line per request
    -h, --help           this text

Clients reach a bucket with their usual host, e.g.
<bucket>.cos.<region>.myqcloud.com, resolved to the emulator's address.
";

#[derive(Debug)]
struct Args {
    config: Config,
    quiet: bool,
    help: bool,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut config = Config {
        bind: SocketAddr::from(([127, 0, 0, 1], 9000)),
        ..Config::default()
    };
    let (mut quiet, mut help) = (false, false);
    let mut buckets = Vec::new();
    let mut account = config.accounts[0].clone();
    let mut more = Vec::new();
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "-h" | "--help" => help = true,
            "--quiet" => quiet = true,
            "--port" => {
                let v = value()?;
                let port = v.parse().map_err(|_| format!("invalid port {v:?}"))?;
                config.bind.set_port(port);
            }
            "--bind" => {
                let v = value()?;
                let ip = v.parse().map_err(|_| format!("invalid address {v:?}"))?;
                config.bind.set_ip(ip);
            }
            "--dir" => config.dir = Some(PathBuf::from(value()?)),
            "--policy" => {
                config.policy = match value()?.as_str() {
                    "cos" | "COS" => Policy::Cos,
                    "strict" | "STRICT" => Policy::Strict,
                    v => return Err(format!("invalid policy {v:?}: use cos or strict")),
                }
            }
            "--bucket" => {
                let v = value()?;
                let (bucket, region) = v
                    .split_once('@')
                    .filter(|(b, r)| !b.is_empty() && !r.is_empty())
                    .ok_or_else(|| format!("invalid bucket {v:?}: use NAME-APPID@REGION"))?;
                buckets.push((bucket.to_owned(), region.to_owned()));
            }
            "--secret-id" => account.secret_id = value()?,
            "--secret-key" => account.secret_key = value()?,
            "--token" => account.token = Some(value()?),
            "--account" => {
                let v = value()?;
                let mut it = v.splitn(3, ':');
                let (Some(id), Some(key)) = (it.next(), it.next()) else {
                    return Err(format!("invalid account {v:?}: use ID:KEY[:TOKEN]"));
                };
                if id.is_empty() || key.is_empty() {
                    return Err(format!("invalid account {v:?}: use ID:KEY[:TOKEN]"));
                }
                more.push(Account {
                    secret_id: id.to_owned(),
                    secret_key: key.to_owned(),
                    token: it.next().map(str::to_owned),
                });
            }
            "--clock-offset" => {
                let v = value()?;
                let offset = v
                    .parse()
                    .map_err(|_| format!("invalid offset {v:?}: use seconds"))?;
                config.clock = offset_clock(offset);
            }
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    if !buckets.is_empty() {
        config.buckets = buckets;
    }
    config.accounts = vec![account];
    config.accounts.extend(more);
    Ok(Args {
        config,
        quiet,
        help,
    })
}

/// One line per request: what was asked and what was answered.
fn print_request(l: &Logged) {
    let what = match (&l.code, &l.message) {
        (Some(code), Some(m)) => format!(" {code}: {m}"),
        _ => String::new(),
    };
    println!(
        "#{} {} {}{} -> {}{what}",
        l.number, l.method, l.host, l.path, l.status
    );
}

fn banner(emu: &Emulator, config: &Config) {
    let addr = emu.addr();
    println!("cos-emulator listening on http://{addr}");
    println!(
        "signatures: verified with tencent-cos-core, policy {}",
        match config.policy {
            Policy::Cos => "COS",
            Policy::Strict => "STRICT",
        }
    );
    match &config.dir {
        Some(dir) => println!("objects: under {}", dir.display()),
        None => println!("objects: in memory"),
    }
    println!("buckets:");
    for (bucket, region) in &config.buckets {
        println!("  {bucket} ({region}): Host {bucket}.cos.{region}.myqcloud.com");
    }
    println!("credentials accepted (the emulator's own, not real ones):");
    for Account {
        secret_id,
        secret_key,
        token,
    } in &config.accounts
    {
        println!("  SecretId  {secret_id}");
        println!("  SecretKey {secret_key}");
        if let Some(token) = token {
            println!("  token     {token}");
        }
    }
    println!("resolve the bucket hosts to {addr} (the Host header stays the bucket's)");
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("cos-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    if args.help {
        print!("{HELP}");
        return ExitCode::SUCCESS;
    }
    let mut config = args.config;
    if !args.quiet {
        config.observer = Some(Arc::new(print_request));
    }
    let emu = match Emulator::start(config.clone()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cos-emulator: cannot start on {}: {e}", config.bind);
            return ExitCode::FAILURE;
        }
    };
    banner(&emu, &config);
    emu.wait();
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Result<Args, String> {
        parse_args(a.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn defaults_and_options() {
        let a = args(&[]).unwrap();
        assert_eq!(a.config.bind, SocketAddr::from(([127, 0, 0, 1], 9000)));
        assert_eq!(a.config.policy, Policy::Cos);
        assert_eq!(a.config.buckets.len(), 2);
        let a = args(&[
            "--port=0",
            "--bind",
            "0.0.0.0",
            "--policy",
            "strict",
            "--bucket",
            "a-1@r1",
            "--bucket=b-2@r2",
            "--secret-id",
            "AKIDx",
            "--secret-key=k",
            "--token",
            "t",
            "--dir",
            "/tmp/x",
            "--quiet",
            "--account",
            "AKIDtmp:tmpkey:to:ken",
            "--account=AKIDb:k2",
        ])
        .unwrap();
        assert_eq!(a.config.bind, SocketAddr::from(([0, 0, 0, 0], 0)));
        assert_eq!(a.config.policy, Policy::Strict);
        assert_eq!(
            a.config.buckets,
            [
                ("a-1".to_owned(), "r1".to_owned()),
                ("b-2".to_owned(), "r2".to_owned())
            ]
        );
        let acc = &a.config.accounts[0];
        assert_eq!(
            (acc.secret_id.as_str(), acc.secret_key.as_str()),
            ("AKIDx", "k")
        );
        assert_eq!(acc.token.as_deref(), Some("t"));
        let more: Vec<_> = a.config.accounts[1..]
            .iter()
            .map(|a| {
                (
                    a.secret_id.as_str(),
                    a.secret_key.as_str(),
                    a.token.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            more,
            [("AKIDtmp", "tmpkey", Some("to:ken")), ("AKIDb", "k2", None)]
        );
        assert_eq!(a.config.dir, Some(PathBuf::from("/tmp/x")));
        assert!(a.quiet);
        for bad in [
            &["--port", "x"][..],
            &["--port"],
            &["--policy", "lax"],
            &["--bucket", "nobucket"],
            &["--clock-offset", "soon"],
            &["--frobnicate"],
            &["--account", "nokey"],
            &["--account", ":k"],
        ] {
            assert!(args(bad).is_err(), "{bad:?}");
        }
    }
}
