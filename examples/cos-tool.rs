//! `cos-tool`: a command-line front end to `tencent-cos-core`.
//!
//! ```text
//! cargo run --quiet --release --example cos-tool -- [SUBCOMMAND] [ARGS]
//! ```
//!
//! Run with `--help` for the list of subcommands. Without arguments it signs
//! the example request of the UploadPartCopy API page and prints every
//! stage of the signature.
//!
//! Every subcommand is one entry in [`COMMANDS`] and one function; a new
//! subcommand is added there and nowhere else.

// A host program: std is what it is written against.
#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use serde_json::{Map, Value};
use std::io::{self, BufRead, Write};
use std::process::ExitCode;
use tencent_cos_core::MAX_PART_NUMBER;
use tencent_cos_core::Output;
use tencent_cos_core::{
    ByteRange, CanonicalRequest, ConditionError, CopyCondition, CopyPlan, CopySource, CosErrorCode,
    Credentials, Domain, ETag, ETagError, Host, HostKind, KeyTime, OutputError, RequestError,
    Response, ResponseReader, Selection, Signer, SigningKey, SourceCustomerKey, UploadPartCopy,
    explain,
};
use tencent_cos_core::{http_date, parse_http_date, parse_iso8601};

/// Exit code of a usage error (unknown subcommand, bad option).
const USAGE_ERROR: u8 = 2;

/// One subcommand: its name, its arguments, one line of help and the
/// function that runs it (given the arguments after the name).
struct Command {
    name: &'static str,
    args: &'static str,
    about: &'static str,
    run: fn(&[String]) -> ExitCode,
}

/// The subcommands, in the order `--help` lists them.
const COMMANDS: &[Command] = &[
    Command {
        name: "example",
        args: "",
        about: "sign the UploadPartCopy API page's example request and print every stage \
                (the default when no argument is given)",
        run: cmd_example,
    },
    Command {
        name: "sign",
        args: "--jsonl",
        about: "read one JSON request per line on stdin, print one JSON result per line",
        run: cmd_sign,
    },
    Command {
        name: "parse",
        args: "[--chunk N]",
        about: "read a COS response body on stdin, feed it in chunks of N bytes \
                (default: all at once), print one JSON object",
        run: cmd_parse,
    },
    Command {
        name: "explain",
        args: "--body FILE [--request FILE]",
        about: "compare a SignatureDoesNotMatch body with the local HttpString and \
                StringToSign of a request (a sign --jsonl object, on stdin by default)",
        run: cmd_explain,
    },
    Command {
        name: "upload-part-copy",
        args: "FLAGS",
        about: "build and sign one UploadPartCopy request and print its head (request \
                line, headers, blank line) exactly as sent; the flags are listed below",
        run: cmd_upload_part_copy,
    },
    Command {
        name: "plan",
        args: "--size N [--part-size M]",
        about: "print the parts of a multipart copy of N bytes, one \"NUMBER RANGE\" \
                line each (RANGE is the x-cos-copy-source-range value); M defaults to 8 MiB",
        run: cmd_plan,
    },
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((first, rest)) = args.split_first() else {
        return cmd_example(&[]);
    };
    match first.as_str() {
        "-h" | "--help" | "help" => {
            print!("{}", usage());
            ExitCode::SUCCESS
        }
        name => match COMMANDS.iter().find(|c| c.name == name) {
            Some(command) => (command.run)(rest),
            None => usage_error(&format!("unknown subcommand '{name}'")),
        },
    }
}

/// The help text, built from [`COMMANDS`].
fn usage() -> String {
    let mut s = String::from(
        "cos-tool: Tencent COS request signing with tencent-cos-core\n\n\
         Usage: cos-tool [SUBCOMMAND] [ARGS]\n\
         \x20      cos-tool --help\n\n\
         Subcommands:\n",
    );
    for c in COMMANDS {
        let head = if c.args.is_empty() {
            c.name.to_owned()
        } else {
            format!("{} {}", c.name, c.args)
        };
        s.push_str(&format!("  {head:<16} {}\n", c.about));
    }
    s.push_str(
        "\nsign --jsonl input, one object per line (params and headers may be absent):\n\
         \x20 {\"method\":\"PUT\",\"path\":\"/dest/obj\",\
         \"params\":[[\"partNumber\",\"1\"],[\"uploadId\",\"abc\"]],\
         \"headers\":[[\"Host\",\"h\"]],\"secret_id\":\"...\",\"secret_key\":\"...\",\
         \"key_time\":\"1700000000;1700003600\"}\n\
         output, one object per line, in input order:\n\
         \x20 {\"http_string\":...,\"string_to_sign\":...,\"signature\":...,\"authorization\":...}\n\
         \x20 or {\"error\":\"...\"} for a line that cannot be signed; blank lines are skipped.\n\
         The headers are signed exactly as given (Selection::Exact). An optional \"token\"\n\
         field makes temporary credentials; other fields are ignored.\n\
         \nparse output, one object:\n\
         \x20 {\"kind\":\"CopyPartResult\",\"etag\":...,\"last_modified\":...}\n\
         \x20 {\"kind\":\"Error\",\"code\":...,\"message\":...,\"resource\":...,\
         \"request_id\":...,\"trace_id\":...}\n\
         \x20 {\"kind\":\"InitiateMultipartUploadResult\",\"bucket\":...,\"key\":...,\
         \"upload_id\":...}\n\
         \x20 {\"kind\":\"CompleteMultipartUploadResult\",\"location\":...,\"bucket\":...,\
         \"key\":...,\"etag\":...}\n\
         \x20 {\"error\":\"...\"} for a body that is malformed, incomplete or not one of these.\n\
         Absent fields are null; values are entity-decoded and trimmed, up to {PARSE_CAPACITY} bytes.\n\
         \nexplain reads the request as sign --jsonl does (method, path, params, headers,\n\
         key_time; the secrets are not needed) and signs it with Selection::Exact.\n\
         \nupload-part-copy flags, each --flag VALUE or --flag=VALUE, at most once:\n\
         \x20 destination  --host HOST (any endpoint, sent as given)\n\
         \x20              or --bucket BUCKET-APPID --region REGION \
         [--domain myqcloud.com|tencentcos.cn]\n\
         \x20              and --key KEY --part-number N --upload-id ID\n\
         \x20 source       --source VALUE (an x-cos-copy-source value, taken as it is)\n\
         \x20              or --source-bucket BUCKET-APPID --source-region REGION \
         --source-key KEY\n\
         \x20              [--source-host-kind cos|cos-internal|cosv6|cos-cdc] \
         [--source-domain DOMAIN] [--version-id V]\n\
         \x20 range        [--range FIRST-LAST | --offset O --length L] \
         (default: the whole source)\n\
         \x20 conditions   [--if-match ETAG] [--if-none-match ETAG] \
         [--if-modified-since DATE] [--if-unmodified-since DATE]:\n\
         \x20              one of them, --if-none-match with --if-modified-since, or \
         --if-match with --if-unmodified-since;\n\
         \x20              ETAG with its double quotes; DATE in Unix seconds, an HTTP date \
         or ISO 8601\n\
         \x20 SSE-C source [--sse-c-key BASE64 --sse-c-key-md5 BASE64]\n\
         \x20 credentials  --secret-id ID --secret-key KEY [--token TOKEN]; an absent flag \
         is read from\n\
         \x20              COS_SECRET_ID, COS_SECRET_KEY, COS_SECURITY_TOKEN (empty counts \
         as unset)\n\
         \x20 time         --key-time 'START;END', or [--now UNIX] [--lifetime SECS (3600)] \
         [--backdate SECS (60)]:\n\
         \x20              valid from now - backdate to now + lifetime; without --now the \
         system clock is read\n\
         The head has CRLF line ends; the secret key is never printed (a token is: it is \
         a header).\n\
         \nplan prints nothing but the parts on stdout and a summary on stderr; the part \
         size is\n\
         brought into 1 MiB..=5 GiB and grown when the object needs more than 10000 parts.\n\
         \nExit codes: 0 done, 1 a bad value (the message names it), 2 a usage error \
         (unknown,\n\
         missing or conflicting flags).\n",
    );
    s.replace("{PARSE_CAPACITY}", &PARSE_CAPACITY.to_string())
}

/// Prints `msg` and the usage on stderr; exit code 2.
fn usage_error(msg: &str) -> ExitCode {
    eprint!("cos-tool: {msg}\n\n{}", usage());
    ExitCode::from(USAGE_ERROR)
}

// ---------------------------------------------------------------------------
// example

/// The public example credentials of the COS signature documentation. The
/// UploadPartCopy page masks the ones it used.
const EXAMPLE_SECRET_ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const EXAMPLE_SECRET_KEY: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
const EXAMPLE_HOST: &str = "examplebucket-1250000000.cos.ap-shanghai.myqcloud.com";
const EXAMPLE_UPLOAD_ID: &str =
    "1505706248ca8373f8a5cd52cb129f4bcf85e11dc8833df34f4f5bcc456c99c42cd1ffa2f9";

/// Signs the UploadPartCopy example request and prints every stage.
fn cmd_example(args: &[String]) -> ExitCode {
    if let Some(extra) = args.first() {
        return usage_error(&format!("example: unexpected argument '{extra}'"));
    }
    match example_report() {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cos-tool: example: {e}");
            ExitCode::FAILURE
        }
    }
}

fn example_report() -> Result<String, String> {
    let params = [("partNumber", "1"), ("uploadId", EXAMPLE_UPLOAD_ID)];
    let copy_source = format!("{EXAMPLE_HOST}/exampleobject1");
    let headers = [
        ("Host", EXAMPLE_HOST),
        ("x-cos-copy-source", copy_source.as_str()),
        ("x-cos-copy-source-range", "bytes=10-100"),
        ("Content-Length", "0"),
    ];
    let request = CanonicalRequest::new("PUT", "/exampleobject", &params, &headers);
    let credentials = Credentials::new(EXAMPLE_SECRET_ID, EXAMPLE_SECRET_KEY)
        .map_err(|e| format!("credentials: {e}"))?;
    let key_time = KeyTime::new(1_507_530_223, 1_508_530_223).map_err(|e| e.to_string())?;
    let key = SigningKey::new(&credentials, key_time);
    let out = sign_request((&key).into(), &request)?;

    let mut s = String::new();
    s.push_str(
        "UploadPartCopy example request (UploadPartCopy API page, \"Examples\"), \
         signed with Selection::Exact\n\n",
    );
    s.push_str(&format!(
        "  PUT /exampleobject?partNumber=1&uploadId={EXAMPLE_UPLOAD_ID} HTTP/1.1\n"
    ));
    for (name, value) in &headers {
        s.push_str(&format!("  {name}: {value}\n"));
    }
    s.push_str(
        "\nThe page's User-Agent and Accept headers are sent but not signed; the four \
         headers above are.\n\
         The page masks its SecretId/SecretKey: these are the PUBLIC EXAMPLE CREDENTIALS \
         of the COS signature documentation, not a real account:\n",
    );
    s.push_str(&format!("  SecretId:  {EXAMPLE_SECRET_ID}\n"));
    s.push_str(&format!("  SecretKey: {EXAMPLE_SECRET_KEY}\n"));
    s.push_str(&format!("  KeyTime:   {key_time}\n"));
    s.push_str(
        "\nHttpString and StringToSign are shown on one line each, newlines written as \\n:\n\n",
    );
    s.push_str(&format!("HttpString:    {}\n", escape(&out.http_string)));
    s.push_str(&format!("StringToSign:  {}\n", escape(&out.string_to_sign)));
    s.push_str(&format!("SignKey:       {}\n", key.sign_key()));
    s.push_str(&format!("Signature:     {}\n", out.signature));
    s.push_str(&format!("Authorization: {}\n", out.authorization));
    Ok(s)
}

/// Writes control characters and `\` as escapes so that a stage fits on
/// one line and its newlines stay visible.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// sign --jsonl

/// The four stages of one signature.
struct SignOutput {
    http_string: String,
    string_to_sign: String,
    signature: String,
    authorization: String,
}

/// Signs `request` with every header as given and collects the stages.
fn sign_request(key: Signer<'_>, request: &CanonicalRequest<'_>) -> Result<SignOutput, String> {
    let signed = key
        .sign(request, Selection::Exact)
        .map_err(|e| format!("cannot sign: {e}"))?;
    let http_string = request
        .http_string(Selection::Exact)
        .map_err(|e| format!("cannot sign: {e}"))?
        .to_string();
    let string_to_sign = request
        .string_to_sign(Selection::Exact, key.key().key_time())
        .map_err(|e| format!("cannot sign: {e}"))?
        .to_string();
    let authorization = signed.authorization().to_string();
    Ok(SignOutput {
        http_string,
        string_to_sign,
        signature: signed.signature().as_str().to_owned(),
        authorization,
    })
}

/// `sign --jsonl`: one JSON request per stdin line, one JSON answer per
/// stdout line, in order, flushed per line.
fn cmd_sign(args: &[String]) -> ExitCode {
    match args {
        [flag] if flag == "--jsonl" => {}
        [flag] if flag == "-h" || flag == "--help" => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        [] => return usage_error("sign: only the --jsonl mode exists; pass --jsonl"),
        _ => return usage_error(&format!("sign: unexpected arguments {args:?}")),
    }
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut output = stdout.lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        match input.read_until(b'\n', &mut line) {
            Ok(0) => return ExitCode::SUCCESS,
            Ok(_) => {}
            Err(e) => {
                eprintln!("cos-tool: sign: reading stdin: {e}");
                return ExitCode::FAILURE;
            }
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let answer = match sign_json_line(&line) {
            Ok(out) => format!(
                "{{\"http_string\":{},\"string_to_sign\":{},\"signature\":{},\"authorization\":{}}}",
                json_string(&out.http_string),
                json_string(&out.string_to_sign),
                json_string(&out.signature),
                json_string(&out.authorization),
            ),
            Err(e) => format!("{{\"error\":{}}}", json_string(&e)),
        };
        if let Err(e) = writeln!(output, "{answer}").and_then(|()| output.flush()) {
            // The reader went away (e.g. a closed pipe): nothing more to do.
            eprintln!("cos-tool: sign: writing stdout: {e}");
            return ExitCode::FAILURE;
        }
    }
}

/// A JSON string literal, escaped by serde_json.
fn json_string(s: &str) -> String {
    Value::from(s).to_string()
}

/// Parses one input line and signs it; the error names what was wrong.
fn sign_json_line(line: &[u8]) -> Result<SignOutput, String> {
    let line =
        std::str::from_utf8(line).map_err(|e| format!("the line is not valid UTF-8 ({e})"))?;
    let value: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("the line is not a JSON object".to_owned());
    };
    let method = required_str(&obj, "method")?;
    let path = required_str(&obj, "path")?;
    let params = optional_pairs(&obj, "params")?;
    let headers = optional_pairs(&obj, "headers")?;
    let secret_id = required_str(&obj, "secret_id")?;
    let secret_key = required_str(&obj, "secret_key")?;
    let key_time = parse_key_time(required_str(&obj, "key_time")?)?;
    let token = match obj.get("token") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) => Some(t.as_str()),
        Some(_) => return Err("field \"token\" must be a string".to_owned()),
    };
    let credentials = match token {
        Some(t) => Credentials::with_token(secret_id, secret_key, t),
        None => Credentials::new(secret_id, secret_key),
    }
    .map_err(|e| format!("bad credentials: {e}"))?;
    let key = SigningKey::new(&credentials, key_time);
    let signer = key
        .signer(credentials.security_token())
        .map_err(|e| format!("bad credentials: {e}"))?;
    let request = CanonicalRequest::new(method, path, &params, &headers);
    sign_request(signer, &request)
}

fn required_str<'v>(obj: &'v Map<String, Value>, field: &str) -> Result<&'v str, String> {
    match obj.get(field) {
        Some(Value::String(s)) => Ok(s),
        None => Err(format!("missing field \"{field}\"")),
        Some(other) => Err(format!(
            "field \"{field}\" must be a string, not {}",
            type_name(other)
        )),
    }
}

/// An optional array of `[name, value]` string pairs; absent or `null` is
/// empty.
fn optional_pairs<'v>(
    obj: &'v Map<String, Value>,
    field: &str,
) -> Result<Vec<(&'v str, &'v str)>, String> {
    let items = match obj.get(field) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(format!(
                "field \"{field}\" must be an array of [name, value] pairs, not {}",
                type_name(other)
            ));
        }
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item.as_array().map(Vec::as_slice) {
            Some([Value::String(n), Value::String(v)]) => Ok((n.as_str(), v.as_str())),
            _ => Err(format!(
                "{field}[{i}] must be a [name, value] array of two strings"
            )),
        })
        .collect()
}

/// `start;end`, decimal digits only.
fn parse_key_time(s: &str) -> Result<KeyTime, String> {
    let bad = || format!("field \"key_time\" must be \"start;end\" in Unix seconds, not {s:?}");
    let (a, b) = s.split_once(';').ok_or_else(bad)?;
    let num = |t: &str| -> Result<u64, String> {
        if t.is_empty() || !t.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        t.parse::<u64>().map_err(|_| bad())
    };
    KeyTime::new(num(a)?, num(b)?).map_err(|e| format!("field \"key_time\": {e}"))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

// ---------------------------------------------------------------------------
// parse

/// Capacity of each value `parse` reads.
const PARSE_CAPACITY: usize = 1024;

/// `parse [--chunk N]`: one response body on stdin, one JSON object out.
fn cmd_parse(args: &[String]) -> ExitCode {
    let chunk = match parse_chunk_option(args) {
        Ok(chunk) => chunk,
        Err(msg) => return usage_error(&format!("parse: {msg}")),
    };
    let mut body = Vec::new();
    if let Err(e) = io::Read::read_to_end(&mut io::stdin().lock(), &mut body) {
        eprintln!("cos-tool: parse: reading stdin: {e}");
        return ExitCode::FAILURE;
    }
    let answer = match read_response::<PARSE_CAPACITY, PARSE_CAPACITY>(&body, chunk) {
        Ok(response) => response_json(&response),
        Err(e) => format!("{{\"error\":{}}}", json_string(&e)),
    };
    println!("{answer}");
    ExitCode::SUCCESS
}

/// `--chunk N` (or `--chunk=N`), N at least 1; `None` means all at once.
fn parse_chunk_option(args: &[String]) -> Result<Option<usize>, String> {
    let value = match args {
        [] => return Ok(None),
        [flag, n] if flag == "--chunk" => n.as_str(),
        [flag] if flag.starts_with("--chunk=") => &flag["--chunk=".len()..],
        _ => return Err(format!("unexpected arguments {args:?}")),
    };
    match value.parse::<usize>() {
        Ok(n) if n > 0 && value.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
        _ => Err(format!(
            "--chunk needs a whole number of bytes >= 1, not {value:?}"
        )),
    }
}

/// Feeds `body` to a reader in pieces of `chunk` bytes (all at once for
/// `None`) and returns the document or the error's text.
fn read_response<const N: usize, const D: usize>(
    body: &[u8],
    chunk: Option<usize>,
) -> Result<Response<N, D>, String> {
    let mut reader = ResponseReader::<N, D>::new();
    let size = chunk.unwrap_or(body.len()).max(1);
    for piece in body.chunks(size) {
        reader.feed(piece).map_err(|e| e.to_string())?;
    }
    reader.finish().map_err(|e| e.to_string())
}

/// A JSON string, or `null` for an absent value.
fn json_opt(v: Option<&str>) -> String {
    v.map_or_else(|| "null".to_owned(), json_string)
}

/// The `parse` contract's object for a document, keys in contract order.
fn response_json<const N: usize, const D: usize>(response: &Response<N, D>) -> String {
    match response {
        Response::CopyPart(d) => format!(
            "{{\"kind\":\"CopyPartResult\",\"etag\":{},\"last_modified\":{}}}",
            json_string(&d.etag),
            json_opt(d.last_modified.as_deref()),
        ),
        Response::Error(d) => format!(
            "{{\"kind\":\"Error\",\"code\":{},\"message\":{},\"resource\":{},\
             \"request_id\":{},\"trace_id\":{}}}",
            json_opt(d.code.as_deref()),
            json_opt(d.message.as_deref()),
            json_opt(d.resource.as_deref()),
            json_opt(d.request_id.as_deref()),
            json_opt(d.trace_id.as_deref()),
        ),
        Response::Initiate(d) => format!(
            "{{\"kind\":\"InitiateMultipartUploadResult\",\"bucket\":{},\"key\":{},\
             \"upload_id\":{}}}",
            json_opt(d.bucket.as_deref()),
            json_opt(d.key.as_deref()),
            json_string(&d.upload_id),
        ),
        Response::Complete(d) => format!(
            "{{\"kind\":\"CompleteMultipartUploadResult\",\"location\":{},\"bucket\":{},\
             \"key\":{},\"etag\":{}}}",
            json_opt(d.location.as_deref()),
            json_opt(d.bucket.as_deref()),
            json_opt(d.key.as_deref()),
            json_string(&d.etag),
        ),
    }
}

// ---------------------------------------------------------------------------
// explain

/// Capacity of the ordinary fields of the error body `explain` reads.
const EXPLAIN_CAPACITY: usize = 4096;
/// Capacity of its StringToSign and FormatString.
const EXPLAIN_DIAGNOSTICS: usize = 65536;

/// `explain --body FILE [--request FILE]`: where a SignatureDoesNotMatch
/// comes from.
fn cmd_explain(args: &[String]) -> ExitCode {
    let mut body_path = None;
    let mut request_path = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let slot = match arg.as_str() {
            "--body" => &mut body_path,
            "--request" => &mut request_path,
            other => return usage_error(&format!("explain: unexpected argument '{other}'")),
        };
        match rest.next() {
            Some(v) => *slot = Some(v.clone()),
            None => return usage_error(&format!("explain: {arg} needs a file name")),
        }
    }
    let Some(body_path) = body_path else {
        return usage_error("explain: --body FILE is required");
    };
    match explain_report(&body_path, request_path.as_deref()) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cos-tool: explain: {e}");
            ExitCode::FAILURE
        }
    }
}

fn explain_report(body_path: &str, request_path: Option<&str>) -> Result<String, String> {
    let body = std::fs::read(body_path).map_err(|e| format!("reading {body_path}: {e}"))?;
    let request_text = match request_path {
        Some(p) => std::fs::read(p).map_err(|e| format!("reading {p}: {e}"))?,
        None => {
            let mut v = Vec::new();
            io::Read::read_to_end(&mut io::stdin().lock(), &mut v)
                .map_err(|e| format!("reading stdin: {e}"))?;
            v
        }
    };
    // The documents are large here (64 KiB diagnostics): keep them off the
    // stack.
    let response = Box::new(
        read_response::<EXPLAIN_CAPACITY, EXPLAIN_DIAGNOSTICS>(&body, None)
            .map_err(|e| format!("the body: {e}"))?,
    );
    let Response::Error(error) = &*response else {
        return Err(format!(
            "the body is a {} document, not an Error",
            response.kind()
        ));
    };

    let text = std::str::from_utf8(&request_text)
        .map_err(|e| format!("the request is not valid UTF-8 ({e})"))?;
    let value: Value =
        serde_json::from_str(text.trim()).map_err(|e| format!("the request: invalid JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err("the request is not a JSON object".to_owned());
    };
    let method = required_str(&obj, "method")?;
    let path = required_str(&obj, "path")?;
    let params = optional_pairs(&obj, "params")?;
    let headers = optional_pairs(&obj, "headers")?;
    let key_time = parse_key_time(required_str(&obj, "key_time")?)?;
    let request = CanonicalRequest::new(method, path, &params, &headers);
    let mismatch = explain(error, &request, Selection::Exact, key_time)
        .map_err(|e| format!("cannot sign the request: {e}"))?;

    let mut s = String::new();
    let code = CosErrorCode::parse(error.code.as_deref().unwrap_or(""));
    s.push_str(&format!("Code:       {}\n", code.as_str()));
    if let Some(id) = &error.request_id {
        s.push_str(&format!("RequestId:  {id}\n"));
    }
    if code != CosErrorCode::SignatureDoesNotMatch {
        s.push_str("(not a SignatureDoesNotMatch: the server sent no signed texts to compare)\n");
    }
    s.push_str(&format!("KeyTime:    {key_time}\n\n{mismatch}\n"));
    Ok(s)
}

// ---------------------------------------------------------------------------
// Flags of upload-part-copy and plan

/// Why a subcommand stops before doing its work.
enum Stop {
    /// `--help` was asked for: print the usage, exit 0.
    Help,
    /// Unknown, missing, repeated or conflicting flags: exit 2.
    Usage(String),
    /// A value the crate (or the tool) refuses: exit 1.
    Value(String),
}

impl Stop {
    /// Reports on stderr (the usage on stdout for `--help`) and gives the
    /// exit code.
    fn exit(self, command: &str) -> ExitCode {
        match self {
            Self::Help => {
                print!("{}", usage());
                ExitCode::SUCCESS
            }
            Self::Usage(msg) => usage_error(&format!("{command}: {msg}")),
            Self::Value(msg) => {
                eprintln!("cos-tool: {command}: {msg}");
                ExitCode::FAILURE
            }
        }
    }
}

fn usage_stop(msg: impl Into<String>) -> Stop {
    Stop::Usage(msg.into())
}

fn bad(msg: impl Into<String>) -> Stop {
    Stop::Value(msg.into())
}

/// The `--name VALUE` / `--name=VALUE` options of one command line, each
/// given at most once.
struct Flags<'a> {
    given: Vec<(&'static str, &'a str)>,
}

impl<'a> Flags<'a> {
    /// Reads `args` against the `known` flag names, all of which take a
    /// value. Error messages name flags, never values (a value may be a
    /// secret).
    fn parse(args: &'a [String], known: &[&'static str]) -> Result<Self, Stop> {
        let mut given: Vec<(&'static str, &'a str)> = Vec::new();
        let mut rest = args.iter().enumerate();
        while let Some((i, arg)) = rest.next() {
            if arg == "-h" || arg == "--help" {
                return Err(Stop::Help);
            }
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) if n.starts_with("--") => (n, Some(v)),
                _ => (arg.as_str(), None),
            };
            if !name.starts_with('-') {
                return Err(usage_stop(format!(
                    "argument {} is a value without a flag",
                    i + 1
                )));
            }
            let Some(&name) = known.iter().find(|k| **k == name) else {
                return Err(usage_stop(format!("unknown flag '{name}'")));
            };
            let value = match inline {
                Some(v) => v,
                None => match rest.next() {
                    Some((_, v)) => v.as_str(),
                    None => return Err(usage_stop(format!("{name} needs a value"))),
                },
            };
            if given.iter().any(|(n, _)| *n == name) {
                return Err(usage_stop(format!("{name} is given more than once")));
            }
            given.push((name, value));
        }
        Ok(Self { given })
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.given.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    fn require(&self, name: &str) -> Result<&'a str, Stop> {
        self.get(name)
            .ok_or_else(|| usage_stop(format!("missing {name}")))
    }

    /// The first of `names` that is given.
    fn first_of(&self, names: &[&'static str]) -> Option<&'static str> {
        names.iter().copied().find(|n| self.has(n))
    }
}

/// A decimal number, digits only.
fn number(flag: &str, value: &str) -> Result<u64, Stop> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!(
            "{flag} must be a decimal number, not {value:?}"
        )));
    }
    value
        .parse::<u64>()
        .map_err(|_| bad(format!("{flag}: {value} does not fit in 64 bits")))
}

// ---------------------------------------------------------------------------
// upload-part-copy

const UPLOAD_PART_COPY_FLAGS: &[&str] = &[
    "--host",
    "--bucket",
    "--region",
    "--domain",
    "--key",
    "--part-number",
    "--upload-id",
    "--source",
    "--source-bucket",
    "--source-region",
    "--source-key",
    "--source-host-kind",
    "--source-domain",
    "--version-id",
    "--range",
    "--offset",
    "--length",
    "--if-match",
    "--if-none-match",
    "--if-modified-since",
    "--if-unmodified-since",
    "--sse-c-key",
    "--sse-c-key-md5",
    "--secret-id",
    "--secret-key",
    "--token",
    "--key-time",
    "--now",
    "--lifetime",
    "--backdate",
];

/// The flags that build a source from parts (instead of `--source`).
const SOURCE_PART_FLAGS: &[&str] = &[
    "--source-bucket",
    "--source-region",
    "--source-key",
    "--source-host-kind",
    "--source-domain",
    "--version-id",
];

/// `upload-part-copy FLAGS`: the signed request head on stdout.
fn cmd_upload_part_copy(args: &[String]) -> ExitCode {
    match upload_part_copy_head(args) {
        Ok(head) => {
            let mut out = io::stdout().lock();
            match out.write_all(head.as_bytes()).and_then(|()| out.flush()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("cos-tool: upload-part-copy: writing stdout: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(stop) => stop.exit("upload-part-copy"),
    }
}

fn upload_part_copy_head(args: &[String]) -> Result<String, Stop> {
    let flags = Flags::parse(args, UPLOAD_PART_COPY_FLAGS)?;
    let host = destination(&flags)?;
    let key = flags.require("--key")?;
    let part_number = part_number(flags.require("--part-number")?)?;
    let upload_id = flags.require("--upload-id")?;
    let source = copy_source(&flags)?;
    let range = byte_range(&flags)?;
    let condition = copy_condition(&flags)?;
    let customer_key = source_customer_key(&flags)?;

    let secret_id = flag_or_env(&flags, "--secret-id", "COS_SECRET_ID")?
        .ok_or_else(|| usage_stop("missing --secret-id (or COS_SECRET_ID)"))?;
    let secret_key = flag_or_env(&flags, "--secret-key", "COS_SECRET_KEY")?
        .ok_or_else(|| usage_stop("missing --secret-key (or COS_SECRET_KEY)"))?;
    let token = flag_or_env(&flags, "--token", "COS_SECURITY_TOKEN")?;
    let credentials = match &token {
        Some(t) => Credentials::with_token(&secret_id, &secret_key, t),
        None => Credentials::new(&secret_id, &secret_key),
    }
    .map_err(|e| bad(format!("credentials: {e}")))?;
    let signing = SigningKey::new(&credentials, key_time(&flags)?);

    let mut request =
        UploadPartCopy::new(host, key, part_number, upload_id, source).with_condition(condition);
    if let Some(range) = range {
        request = request.with_range(range);
    }
    if let Some(customer_key) = customer_key {
        request = request.with_source_customer_key(customer_key);
    }
    let signer = signing
        .signer(credentials.security_token())
        .map_err(|e| bad(format!("credentials: {e}")))?;
    signed_head(&request, signer).map_err(|e| bad(e.to_string()))
}

/// Signs `request` into a scratch buffer of the size the crate asks for
/// and writes the head.
fn signed_head(request: &UploadPartCopy<'_>, signing: Signer<'_>) -> Result<String, RequestError> {
    let mut size = 1024;
    loop {
        let mut scratch = vec![0u8; size];
        match request.sign(signing, &mut scratch) {
            Ok(signed) => {
                let mut head = String::with_capacity(signed.head().len());
                signed.head().write_to(&mut head)?;
                return Ok(head);
            }
            Err(RequestError::Output(OutputError::BufferTooSmall { needed })) if needed > size => {
                size = needed;
            }
            Err(e) => return Err(e),
        }
    }
}

/// `--host`, or `--bucket --region [--domain]`.
fn destination<'a>(flags: &Flags<'a>) -> Result<Host<'a>, Stop> {
    match (flags.get("--host"), flags.get("--bucket")) {
        (Some(_), Some(_)) => Err(usage_stop("--host and --bucket exclude each other")),
        (Some(host), None) => match flags.first_of(&["--region", "--domain"]) {
            Some(f) => Err(usage_stop(format!("{f} goes with --bucket, not --host"))),
            None => Ok(Host::Custom(host)),
        },
        (None, Some(bucket)) => {
            let region = flags.require("--region")?;
            let domain = match flags.get("--domain") {
                Some(d) => domain(d, "--domain")?,
                None => Domain::MyQcloud,
            };
            Ok(Host::Bucket {
                bucket,
                region,
                domain,
            })
        }
        (None, None) => Err(usage_stop(
            "missing the destination: --host HOST, or --bucket BUCKET-APPID --region REGION",
        )),
    }
}

fn domain(value: &str, flag: &str) -> Result<Domain, Stop> {
    Domain::from_name(value).ok_or_else(|| {
        bad(format!(
            "{flag} must be myqcloud.com or tencentcos.cn, not {value:?}"
        ))
    })
}

/// A part number in `1..=10000`; the range message is the crate's.
fn part_number(value: &str) -> Result<u16, Stop> {
    let n = number("--part-number", value)?;
    u16::try_from(n)
        .ok()
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| bad(format!("--part-number: {}", RequestError::PartNumber)))
}

/// `--source`, or the source built from its parts.
fn copy_source<'a>(flags: &Flags<'a>) -> Result<CopySource<'a>, Stop> {
    if let Some(value) = flags.get("--source") {
        if let Some(f) = flags.first_of(SOURCE_PART_FLAGS) {
            return Err(usage_stop(format!(
                "--source and {f} exclude each other (--source is the whole header value)"
            )));
        }
        return CopySource::parse(value).map_err(|e| bad(format!("--source: {e}")));
    }
    if flags.first_of(SOURCE_PART_FLAGS).is_none() {
        return Err(usage_stop(
            "missing the source: --source VALUE, or --source-bucket BUCKET-APPID \
             --source-region REGION --source-key KEY",
        ));
    }
    let bucket = flags.require("--source-bucket")?;
    let region = flags.require("--source-region")?;
    let key = flags.require("--source-key")?;
    let mut source =
        CopySource::new(bucket, region, key).map_err(|e| bad(format!("source: {e}")))?;
    let kind = flags.get("--source-host-kind");
    let source_domain = flags.get("--source-domain");
    if kind.is_some() || source_domain.is_some() {
        let kind = match kind {
            Some(k) => HostKind::from_label(k).ok_or_else(|| {
                bad(format!(
                    "--source-host-kind must be cos, cos-internal, cosv6 or cos-cdc, not {k:?}"
                ))
            })?,
            None => source.host_kind(),
        };
        let d = match source_domain {
            Some(d) => domain(d, "--source-domain")?,
            None => source.domain(),
        };
        source = source.with_host(kind, d);
    }
    if let Some(id) = flags.get("--version-id") {
        source = source
            .with_version_id(id)
            .map_err(|e| bad(format!("--version-id: {e}")))?;
    }
    Ok(source)
}

/// `--range FIRST-LAST` (or `bytes=FIRST-LAST`), or `--offset --length`.
fn byte_range(flags: &Flags<'_>) -> Result<Option<ByteRange>, Stop> {
    match (
        flags.get("--range"),
        flags.get("--offset"),
        flags.get("--length"),
    ) {
        (None, None, None) => Ok(None),
        (Some(range), None, None) => {
            let value = if range.starts_with("bytes=") {
                range.to_owned()
            } else {
                format!("bytes={range}")
            };
            ByteRange::parse(&value)
                .map(Some)
                .map_err(|e| bad(format!("--range: {e}")))
        }
        (None, Some(offset), Some(length)) => {
            ByteRange::from_offset_len(number("--offset", offset)?, number("--length", length)?)
                .map(Some)
                .map_err(|e| bad(format!("--offset/--length: {e}")))
        }
        (Some(_), _, _) => Err(usage_stop("--range excludes --offset and --length")),
        _ => Err(usage_stop("--offset and --length go together")),
    }
}

/// The four `--if-*` flags as one of the seven shapes COS accepts.
fn copy_condition<'a>(flags: &Flags<'a>) -> Result<CopyCondition<'a>, Stop> {
    let etag = |flag: &str| -> Result<Option<ETag<'a>>, Stop> {
        flags
            .get(flag)
            .map(|v| {
                ETag::new(v).map_err(|e| {
                    let hint = if e == ETagError::Unquoted {
                        " (keep the quotes, e.g. --if-match '\"0123abcd\"')"
                    } else {
                        ""
                    };
                    bad(format!("{flag}: {e}{hint}"))
                })
            })
            .transpose()
    };
    let since = |flag: &str| -> Result<Option<u64>, Stop> {
        flags.get(flag).map(|v| condition_date(flag, v)).transpose()
    };
    let if_match = etag("--if-match")?;
    let if_none_match = etag("--if-none-match")?;
    let modified = since("--if-modified-since")?;
    let unmodified = since("--if-unmodified-since")?;
    Ok(match (if_match, if_none_match, modified, unmodified) {
        (None, None, None, None) => CopyCondition::None,
        (None, None, Some(t), None) => CopyCondition::ModifiedSince(t),
        (None, None, None, Some(t)) => CopyCondition::UnmodifiedSince(t),
        (Some(e), None, None, None) => CopyCondition::Match(e),
        (None, Some(e), None, None) => CopyCondition::NoneMatch(e),
        (None, Some(etag), Some(since), None) => {
            CopyCondition::NoneMatchModifiedSince { etag, since }
        }
        (Some(etag), None, None, Some(since)) => {
            CopyCondition::MatchUnmodifiedSince { etag, since }
        }
        _ => {
            let given: Vec<&str> = [
                "--if-match",
                "--if-none-match",
                "--if-modified-since",
                "--if-unmodified-since",
            ]
            .into_iter()
            .filter(|f| flags.has(f))
            .collect();
            return Err(bad(format!(
                "{} ({}); COS takes one condition, --if-none-match with \
                 --if-modified-since, or --if-match with --if-unmodified-since",
                ConditionError::Conflict,
                given.join(" with ")
            )));
        }
    })
}

/// Unix seconds, an HTTP date (any of its three forms) or ISO 8601; it
/// must be writable as an HTTP date (years up to 9999).
fn condition_date(flag: &str, value: &str) -> Result<u64, Stop> {
    let parsed = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(number(flag, value)?)
    } else if value.starts_with(|c: char| c.is_ascii_digit()) {
        parse_iso8601(value)
    } else {
        parse_http_date(value)
    };
    let unix = parsed.map_err(|e| bad(format!("{flag}: {e}")))?;
    http_date(unix).map_err(|e| bad(format!("{flag}: {e}")))?;
    Ok(unix)
}

/// `--sse-c-key` and `--sse-c-key-md5`, both or neither.
fn source_customer_key<'a>(flags: &Flags<'a>) -> Result<Option<SourceCustomerKey<'a>>, Stop> {
    match (flags.get("--sse-c-key"), flags.get("--sse-c-key-md5")) {
        (None, None) => Ok(None),
        (Some(key), Some(key_md5)) => Ok(Some(SourceCustomerKey { key, key_md5 })),
        _ => Err(usage_stop("--sse-c-key and --sse-c-key-md5 go together")),
    }
}

/// The flag's value, else the environment variable's; an empty variable
/// counts as unset.
fn flag_or_env(flags: &Flags<'_>, flag: &str, var: &str) -> Result<Option<String>, Stop> {
    if let Some(v) = flags.get(flag) {
        return Ok(Some(v.to_owned()));
    }
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(Some(v)),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(bad(format!("{var} is not valid UTF-8"))),
    }
}

/// `--key-time`, or a window around `--now` (default: the system clock).
fn key_time(flags: &Flags<'_>) -> Result<KeyTime, Stop> {
    if let Some(window) = flags.get("--key-time") {
        if let Some(f) = flags.first_of(&["--now", "--lifetime", "--backdate"]) {
            return Err(usage_stop(format!("--key-time and {f} exclude each other")));
        }
        let (start, end) = window.split_once(';').ok_or_else(|| {
            bad(format!(
                "--key-time must be START;END in Unix seconds, not {window:?}"
            ))
        })?;
        return KeyTime::new(number("--key-time", start)?, number("--key-time", end)?)
            .map_err(|e| bad(format!("--key-time: {e}")));
    }
    let now = match flags.get("--now") {
        Some(v) => number("--now", v)?,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| bad("the system clock is before 1970"))?
            .as_secs(),
    };
    let lifetime = flags
        .get("--lifetime")
        .map_or(Ok(DEFAULT_LIFETIME), |v| number("--lifetime", v))?;
    let backdate = flags
        .get("--backdate")
        .map_or(Ok(DEFAULT_BACKDATE), |v| number("--backdate", v))?;
    KeyTime::from_now(now, lifetime, backdate).map_err(|e| bad(format!("key time: {e}")))
}

/// How long a signature made without `--key-time` is valid, in seconds.
const DEFAULT_LIFETIME: u64 = 3600;
/// How far before `now` it becomes valid (server clock skew).
const DEFAULT_BACKDATE: u64 = 60;

// ---------------------------------------------------------------------------
// plan

/// The part size `plan` prefers without `--part-size`: 8 MiB.
const DEFAULT_PART_SIZE: u64 = 8 << 20;

/// `plan --size N [--part-size M]`: one `NUMBER RANGE` line per part.
fn cmd_plan(args: &[String]) -> ExitCode {
    match plan_parts(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(stop) => stop.exit("plan"),
    }
}

fn plan_parts(args: &[String]) -> Result<(), Stop> {
    let flags = Flags::parse(args, &["--size", "--part-size"])?;
    let size = number("--size", flags.require("--size")?)?;
    let preferred = match flags.get("--part-size") {
        Some(v) => number("--part-size", v)?,
        None => DEFAULT_PART_SIZE,
    };
    let plan = CopyPlan::new(size, preferred).map_err(|e| bad(e.to_string()))?;
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut last = 0;
    for (n, range) in plan.parts() {
        writeln!(out, "{n} {}", range.value().as_str())
            .map_err(|e| bad(format!("writing stdout: {e}")))?;
        last = range.len();
    }
    out.flush()
        .map_err(|e| bad(format!("writing stdout: {e}")))?;
    eprintln!(
        "{} of {} each, the last {}: {} in all",
        counted(u64::from(plan.part_count()), "part"),
        counted(plan.part_size(), "byte"),
        counted(last, "byte"),
        counted(size, "byte"),
    );
    Ok(())
}

/// `1 part`, `2 parts`.
fn counted(n: u64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}
