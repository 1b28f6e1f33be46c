//! Turns the repository's test data into Rust constants for the firmware:
//! the official signature vectors (`tests/data/signature-vectors.json`),
//! the UploadPartCopy wire capture among them, and two response bodies
//! with their expected values (`tests/data/responses/`).

use serde_json::Value;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../tests/data");
    let vectors_path = root.join("signature-vectors.json");
    let responses = root.join("responses");
    let expected_path = responses.join("expected.json");
    for p in [&vectors_path, &expected_path] {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    let vectors: Value =
        serde_json::from_str(&std::fs::read_to_string(&vectors_path).unwrap()).unwrap();
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap();
    let s = |v: &Value| format!("{:?}", v.as_str().unwrap());
    let pairs = |v: &Value| {
        let items: Vec<String> = v
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| format!("({:?}, {})", k, s(v)))
            .collect();
        format!("&[{}]", items.join(", "))
    };

    let mut out = String::new();
    out.push_str("/// The official and SDK signature vectors that every SDK agrees on.\nconst VECTORS: &[Vector] = &[\n");
    let mut upc = None;
    for v in vectors.as_array().unwrap() {
        if v["divergent"] == Value::Bool(true) {
            continue;
        }
        if v["name"] == "python_full_upload_part_copy_versioned_conditional" {
            upc = Some(v.clone());
        }
        writeln!(
            out,
            "    Vector {{ name: {}, method: {}, path: {}, params: {}, headers: {}, secret_id: {}, secret_key: {}, start: {}, end: {}, sign_key: {}, string_to_sign: {}, authorization: {} }},",
            s(&v["name"]), s(&v["method"]), s(&v["path"]), pairs(&v["params"]), pairs(&v["signed_headers"]),
            s(&v["secret_id"]), s(&v["secret_key"]), v["start"], v["end"], s(&v["sign_key"]),
            s(&v["string_to_sign"]), s(&v["expected_authorization"]),
        )
        .unwrap();
    }
    out.push_str("];\n\n");

    // The Python SDK's UploadPartCopy wire capture, as the request head the
    // builder writes: its request line, the signed headers in the builder's
    // order, then Authorization.
    let upc = upc.expect("the UploadPartCopy vector");
    let h = &upc["signed_headers"];
    let mut head = format!(
        "PUT {}?partNumber={}&uploadId={} HTTP/1.1\r\n",
        upc["path"].as_str().unwrap(),
        upc["params"]["partNumber"].as_str().unwrap(),
        upc["params"]["uploadId"].as_str().unwrap()
    );
    for name in [
        "Host",
        "Content-Length",
        "x-cos-copy-source",
        "x-cos-copy-source-range",
        "x-cos-copy-source-If-Match",
    ] {
        write!(head, "{name}: {}\r\n", h[name].as_str().unwrap()).unwrap();
    }
    write!(
        head,
        "Authorization: {}\r\n\r\n",
        upc["expected_authorization"].as_str().unwrap()
    )
    .unwrap();
    writeln!(
        out,
        "/// Key time of the UploadPartCopy capture.\nconst UPC_KEY_TIME: (u64, u64) = ({}, {});",
        upc["start"], upc["end"]
    )
    .unwrap();
    writeln!(
        out,
        "/// The UploadPartCopy capture's request head.\nconst UPC_HEAD: &str = {head:?};\n"
    )
    .unwrap();

    for (konst, file) in [
        ("COPY_PART", "copy-part-result.xml"),
        ("ERROR", "error-on-200-internal.xml"),
    ] {
        let path = responses.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(
            out,
            "/// `tests/data/responses/{file}`.\nconst {konst}_XML: &[u8] = include_bytes!({:?});",
            path.display().to_string()
        )
        .unwrap();
        for (field, value) in expected[file].as_object().unwrap() {
            writeln!(
                out,
                "const {konst}_{}: &str = {};",
                field.to_uppercase(),
                s(value)
            )
            .unwrap();
        }
    }
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("data.rs");
    std::fs::write(dest, out).unwrap();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=memory.x");
    // cortex-m-rt's link.x includes memory.x from the linker search path.
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::copy("memory.x", out_dir.join("memory.x")).unwrap();
    println!("cargo:rustc-link-search={}", out_dir.display());
}
